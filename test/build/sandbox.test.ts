import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RpmbuildBuilder } from '../../src/build/rpmbuild-builder.ts';
import { createSandbox } from '../../src/build/sandbox.ts';
import { SandboxUnavailableError } from '../../src/build/sandbox-probe.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { noarchTree } from '../helpers/rpm.ts';
import { TEST_LIMITS, bwrapAvailable } from '../helpers/sandbox.ts';
import { tempDir } from '../helpers/tmp.ts';

const available = bwrapAvailable('the sandbox availability tests');
const sandboxModule = join(import.meta.dirname, '../../src/build/sandbox.ts');

describe.runIf(available)('a host that cannot run the build sandbox', () => {
  it('refuses the build, saying to install bubblewrap, when bwrap is missing: never builds unsandboxed', async () => {
    const dir = tempDir();
    const sandbox = createSandbox({ kind: 'bwrap', limits: TEST_LIMITS, bwrap: join(dir, 'no-bwrap') });
    const builder = new RpmbuildBuilder({ log: silentLogger(), sandbox });
    const err = await builder
      .build({
        project: 'greeter',
        branch: 'master',
        commit: 'abc',
        platform: { name: 'el9', dist: '.el9', arch: 'noarch' },
        spec: '*.spec',
        tree: noarchTree(join(dir, 'tree')),
        outDir: join(dir, 'out'),
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SandboxUnavailableError);
    expect(err).toMatchObject({
      code: 'sandbox_unavailable',
      retryable: false,
      message: expect.stringMatching(/bwrap is not installed .* apt-get install bubblewrap/),
    });
  });

  it('says to allow user namespaces where the kernel or container forbids them', () => {
    // A real bwrap, in a user namespace that may not make more: as in a locked-down container.
    const script = join(tempDir(), 'probe.ts');
    writeFileSync(
      script,
      `import { createSandbox } from ${JSON.stringify(sandboxModule)};
const sandbox = createSandbox({ kind: 'bwrap', limits: ${JSON.stringify(TEST_LIMITS)} });
await sandbox.run('true', [], { mounts: [] }).then(
  () => console.log(JSON.stringify({ ran: true })),
  (e) => console.log(JSON.stringify({ code: e.code, message: e.message })),
);
`,
    );
    const outer = ['--unshare-user', '--disable-userns', '--uid', '1000', '--ro-bind', '/', '/'];
    const out = execFileSync(
      'bwrap',
      [...outer, '--dev', '/dev', '--proc', '/proc', process.execPath, script],
      {
        encoding: 'utf8',
      },
    );
    expect(JSON.parse(out)).toEqual({
      code: 'sandbox_unavailable',
      message: expect.stringMatching(
        /^this machine does not allow the build sandbox \(bwrap said: bwrap: Creating new namespace failed.*\): allow unprivileged user namespaces .*; or, only for a list whose senders are all trusted: builder\.sandbox: none/,
      ),
    });
  });
});
