import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RpmbuildBuilder } from '../../src/build/rpmbuild-builder.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { noarchTree } from '../helpers/rpm.ts';
import { tempDir } from '../helpers/tmp.ts';

const builder = new RpmbuildBuilder({ log: silentLogger() });
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
