import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RpmbuildBuilder } from '../../src/build/rpmbuild-builder.ts';
import { ToolError } from '../../src/shared/errors.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { noarchTree } from '../helpers/rpm.ts';
import { testSandbox } from '../helpers/sandbox.ts';
import { tempDir } from '../helpers/tmp.ts';

const builder = new RpmbuildBuilder({ log: silentLogger(), sandbox: testSandbox() });
const request = (dir: string, overrides: object = {}) => ({
  project: 'greeter',
  branch: 'master',
  commit: 'abc',
  platform: { name: 'el9', dist: '.el9', arch: 'noarch' },
  spec: '*.spec',
  tree: noarchTree(join(dir, 'tree')),
  outDir: join(dir, 'out'),
  ...overrides,
});

describe('local rpmbuild', () => {
  it('builds binary and source RPMs with the platform dist tag, from the tree', async () => {
    const dir = tempDir();
    const result = await builder.build(request(dir));
    expect(result.ok, result.ok ? '' : result.error).toBe(true);
    if (!result.ok) return;
    expect(result.rpms.map((r) => basename(r))).toEqual(['greeter-0.1-1.el9.noarch.rpm']);
    expect(basename(result.srpm ?? '')).toBe('greeter-0.1-1.el9.src.rpm');
    expect(readFileSync(result.logPath, 'utf8')).toMatch(/Wrote: .*greeter-0.1-1.el9.noarch.rpm/);
  });

  it('returns the log when the build fails', async () => {
    const dir = tempDir();
    const result = await builder.build(
      request(dir, { tree: noarchTree(join(dir, 'broken'), { broken: true }) }),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatch(/rpmbuild -ba failed \(exit 1\)/);
    expect(result.logPath && readFileSync(result.logPath, 'utf8')).toMatch(/deliberate failure in %build/);
  });

  it('rejects with rpmbuild_timeout, its log kept, when a build runs past the time limit', async () => {
    const dir = tempDir();
    const tree = noarchTree(join(dir, 'slow'));
    const spec = join(tree, 'greeter.spec');
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('%build\n:', '%build\nsleep 30'));
    const slow = new RpmbuildBuilder({ log: silentLogger(), sandbox: testSandbox(), timeoutMs: 2000 });
    const err = await slow.build(request(dir, { tree })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect(err).toMatchObject({ code: 'rpmbuild_timeout', retryable: true });
    const [message, tail] = (err as ToolError).message.split('; its output ends:\n');
    expect(message).toBe('rpmbuild -ba timed out after 2 s and was killed with every process it started');
    const log = readFileSync(join(dir, 'out', 'build.log'), 'utf8');
    expect(log).toMatch(/^Building target platforms: /);
    expect(log.trimEnd().endsWith(tail as string)).toBe(true);
  });

  it('refuses an architecture this machine cannot build, naming the alternative', async () => {
    const dir = tempDir();
    const result = await builder.build(
      request(dir, { platform: { name: 'el9p', dist: '.el9', arch: 'ppc64le' } }),
    );
    expect(result).toMatchObject({
      ok: false,
      error: expect.stringMatching(/not ppc64le: configure the koji builder/),
    });
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('says when no spec file matches', async () => {
    const dir = tempDir();
    const result = await builder.build(request(dir, { spec: 'missing-*.spec' }));
    expect(result).toMatchObject({
      ok: false,
      error: expect.stringMatching(/expected one spec file matching missing-\*\.spec/),
    });
  });
});
