import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RpmbuildBuilder } from '../../src/build/rpmbuild-builder.ts';
import { createSandbox, type Sandbox } from '../../src/build/sandbox.ts';
import { SrpmPackager } from '../../src/build/srpm-packager.ts';
import { GitMirror } from '../../src/git/mirror.ts';
import { SandboxUnavailableError } from '../../src/build/sandbox-probe.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { noarchRepo } from '../helpers/rpm.ts';
import { TEST_LIMITS, bwrapAvailable, testSandbox } from '../helpers/sandbox.ts';
import { tempDir } from '../helpers/tmp.ts';

function packager(dir: string, sandbox: Sandbox) {
  return new SrpmPackager({
    repository: new GitMirror({ workDir: join(dir, 'git') }),
    sandbox,
    dir: join(dir, 'srpms'),
    log: silentLogger(),
  });
}

async function buildableSrpm(dir: string) {
  const repo = noarchRepo(join(dir, 'repo'));
  return packager(dir, testSandbox()).make({
    project: 'greeter',
    gitUrl: repo.path,
    commit: repo.commit,
    spec: '*.spec',
    release: 'spec',
  });
}

const available = bwrapAvailable('the sandbox availability tests');
const sandboxModule = join(import.meta.dirname, '../../src/build/sandbox.ts');

describe.runIf(available)('a host that cannot run the build sandbox', () => {
  it("fails the build as the infrastructure's, saying to install bubblewrap, when bwrap is missing: never builds unsandboxed", async () => {
    const dir = tempDir();
    const srpm = await buildableSrpm(dir);
    const missing = createSandbox({ kind: 'bwrap', limits: TEST_LIMITS, bwrap: join(dir, 'no-bwrap') });
    const progress = await new RpmbuildBuilder({ log: silentLogger(), sandbox: missing }).start({
      project: 'greeter',
      branch: 'master',
      commit: 'abc',
      target: { name: 'el9', dist: '.el9', arches: ['noarch'], kojiTarget: null, releasever: null },
      srpm,
      scratch: false,
      outDir: join(dir, 'out'),
    });
    expect('done' in progress && progress.done).toMatchObject({
      state: 'failed',
      arches: [{ arch: 'noarch', state: 'failed', rpms: [] }],
      failure: {
        class: 'infrastructure',
        message: expect.stringMatching(/bwrap is not installed .* apt-get install bubblewrap/),
      },
    });
  });

  it('refuses to make the SRPM, whose spec is code too, when bwrap is missing', async () => {
    const dir = tempDir();
    const repo = noarchRepo(join(dir, 'repo'));
    const missing = createSandbox({ kind: 'bwrap', limits: TEST_LIMITS, bwrap: join(dir, 'no-bwrap') });
    const err = await packager(dir, missing)
      .make({ project: 'greeter', gitUrl: repo.path, commit: repo.commit, spec: '*.spec', release: 'spec' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SandboxUnavailableError);
    expect(err).toMatchObject({ code: 'sandbox_unavailable', retryable: false });
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
