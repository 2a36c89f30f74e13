import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CarriedBuild } from '../../src/ports/pipeline-artifacts.ts';
import { PatchferryError } from '../../src/shared/errors.ts';
import { FolderArtifacts } from '../../src/store/pipeline-artifacts.ts';
import { tempDir } from '../helpers/tmp.ts';

function build(dir: string): CarriedBuild {
  mkdirSync(dir, { recursive: true });
  for (const f of ['greeter-0.1-1.el9.noarch.rpm', 'greeter-0.1-1.el9.src.rpm', 'build.log'])
    writeFileSync(join(dir, f), f);
  const rpm = join(dir, 'greeter-0.1-1.el9.noarch.rpm');
  return {
    project: 'greeter',
    branch: 'feature/x',
    commit: 'e4e34e4cef8a0000000000000000000000000000',
    platform: 'el9',
    arch: 'x86_64',
    scratch: false,
    state: 'succeeded',
    logPath: join(dir, 'build.log'),
    logUrl: null,
    rpms: [rpm, join(dir, 'greeter-0.1-1.el9.src.rpm')],
    error: null,
    publishedUrl: null,
    repoFileUrl: null,
    archBuilds: [
      {
        arch: 'x86_64',
        state: 'succeeded',
        rpms: [rpm],
        log: 'https://koji.example/work/1/build.log',
        reason: null,
      },
    ],
    srpm: join(dir, 'greeter-0.1-1.el9.src.rpm'),
    release: '1',
    failureClass: null,
    errorLines: [],
    retries: 0,
    taskId: null,
  };
}

describe('the artifacts a pipeline carries between jobs', () => {
  it('carry a build and its files to a job that unpacks them elsewhere', async () => {
    const dir = tempDir();
    await new FolderArtifacts(join(dir, 'a')).save(build(join(dir, 'out')));
    // The next job gets the folder at another path, as GitLab and GitHub unpack artifacts.
    cpSync(join(dir, 'a'), join(dir, 'b'), { recursive: true });
    const [loaded] = await new FolderArtifacts(join(dir, 'b')).load();
    expect(loaded?.rpms.every((r) => r.startsWith(join(dir, 'b')))).toBe(true);
    expect(loaded?.srpm).toBe(loaded?.rpms[1]);
    expect(loaded?.archBuilds[0]?.log).toBe('https://koji.example/work/1/build.log');
    expect(loaded?.branch).toBe('feature/x');
  });

  it('saving a build again (after its publication) replaces its manifest, keeping its files', async () => {
    const dir = tempDir();
    const artifacts = new FolderArtifacts(join(dir, 'a'));
    await artifacts.save(build(join(dir, 'out')));
    const [first] = await artifacts.load();
    await artifacts.save({
      ...(first as CarriedBuild),
      publishedUrl: 'http://repo/el9/',
      repoFileUrl: 'http://repo/g.repo',
    });
    const again = await artifacts.load();
    expect(again).toHaveLength(1);
    expect(again[0]?.publishedUrl).toBe('http://repo/el9/');
    expect(again[0]?.rpms).toEqual(first?.rpms);
  });

  it('a manifest changed between jobs is an error naming the file', async () => {
    const dir = tempDir();
    const artifacts = new FolderArtifacts(join(dir, 'a'));
    await artifacts.save(build(join(dir, 'out')));
    const folder = join(dir, 'a', 'builds');
    const [name] = (await import('node:fs')).readdirSync(folder);
    writeFileSync(join(folder, name as string, 'manifest.json'), '{"project": 1}');
    const err = await artifacts.load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PatchferryError);
    expect((err as PatchferryError).code).toBe('artifacts_unreadable');
    expect((err as Error).message).toContain('manifest.json');
  });

  it('an empty artifacts folder holds no builds', async () => {
    expect(await new FolderArtifacts(join(tempDir(), 'none')).load()).toEqual([]);
  });
});
