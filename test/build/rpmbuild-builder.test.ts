import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RpmbuildBuilder } from '../../src/build/rpmbuild-builder.ts';
import { SrpmPackager } from '../../src/build/srpm-packager.ts';
import { GitMirror } from '../../src/git/mirror.ts';
import type { BuildRequest, BuildResult, SourcePackage } from '../../src/ports/builder.ts';
import type { BuildTarget } from '../../src/rpm/target.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { git } from '../helpers/git.ts';
import { noarchRepo } from '../helpers/rpm.ts';
import { testSandbox } from '../helpers/sandbox.ts';
import { tempDir } from '../helpers/tmp.ts';

const log = silentLogger();
const hostArch = execFileSync('rpm', ['--eval', '%{_arch}'], { encoding: 'utf8' }).trim();
const otherArch = hostArch === 's390x' ? 'ppc64le' : 's390x';
const el9: BuildTarget = { name: 'el9', dist: '.el9', arches: ['noarch'], kojiTarget: null, releasever: '9' };

function packager(dir: string) {
  return new SrpmPackager({
    repository: new GitMirror({ workDir: join(dir, 'git') }),
    sandbox: testSandbox(),
    dir: join(dir, 'srpms'),
    log,
  });
}

async function srpmOf(dir: string, opts: { broken?: boolean; slow?: boolean } = {}): Promise<SourcePackage> {
  const repo = noarchRepo(join(dir, 'repo'), opts);
  if (opts.slow) {
    const spec = join(repo.path, 'greeter.spec');
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('%build\n:', '%build\nsleep 30'));
    git(repo.path, ['commit', '-qam', 'slow']);
  }
  const commit = git(repo.path, ['rev-parse', 'HEAD']).trim();
  return packager(dir).make({
    project: 'greeter',
    gitUrl: repo.path,
    commit,
    spec: '*.spec',
    release: 'snapshot',
  });
}

async function build(
  builder: RpmbuildBuilder,
  req: Omit<BuildRequest, 'project' | 'branch' | 'commit' | 'scratch'>,
) {
  const progress = await builder.start({
    project: 'greeter',
    branch: 'master',
    commit: 'c',
    scratch: false,
    ...req,
  });
  if (!('done' in progress)) throw new Error('the local builder left a build pending');
  return progress.done as BuildResult;
}

describe('the SRPM of a commit', () => {
  it('carries the snapshot release in its spec, and is made once per commit', async () => {
    const dir = tempDir();
    const repo = noarchRepo(join(dir, 'repo'));
    const p = packager(dir);
    const req = {
      project: 'greeter',
      gitUrl: repo.path,
      commit: repo.commit,
      spec: '*.spec',
      release: 'snapshot' as const,
    };
    const [a, b] = await Promise.all([p.make(req), p.make(req)]);
    expect(a).toEqual(b);
    expect(a.release).toMatch(new RegExp(`^1\\.1\\.\\d{8}git${repo.commit.slice(0, 7)}$`));
    expect(basename(a.path)).toBe(`greeter-0.1-${a.release}.src.rpm`);
    // A later process with the same work directory takes it as made.
    expect(await packager(dir).make(req)).toEqual(a);
    const spec = execFileSync('rpm', ['-qp', '--qf', '%{release}', a.path], { encoding: 'utf8' });
    expect(spec).toBe(a.release);
  });

  it('refuses a spec rpm cannot parse as the patch fault it is', async () => {
    const dir = tempDir();
    const repo = noarchRepo(join(dir, 'repo'));
    writeFileSync(join(repo.path, 'greeter.spec'), 'Name: greeter\n%if\n');
    git(repo.path, ['commit', '-qam', 'break the spec']);
    const commit = git(repo.path, ['rev-parse', 'HEAD']).trim();
    const err = await packager(dir)
      .make({ project: 'greeter', gitUrl: repo.path, commit, spec: '*.spec', release: 'snapshot' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'srpm_spec_invalid', retryable: false });
  });

  it('says when no spec file matches', async () => {
    const dir = tempDir();
    const repo = noarchRepo(join(dir, 'repo'));
    const err = await packager(dir)
      .make({
        project: 'greeter',
        gitUrl: repo.path,
        commit: repo.commit,
        spec: 'missing-*.spec',
        release: 'spec',
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'srpm_spec_missing',
      message: expect.stringMatching(/matching missing-\*\.spec/),
    });
  });
});

describe('local rpmbuild', () => {
  it('builds the target from the SRPM with its dist tag, the log kept', async () => {
    const dir = tempDir();
    const srpm = await srpmOf(dir);
    const result = await build(new RpmbuildBuilder({ log, sandbox: testSandbox() }), {
      target: el9,
      srpm,
      outDir: join(dir, 'out'),
    });
    expect(result.state, JSON.stringify(result.failure)).toBe('succeeded');
    expect(result.arches.map((a) => [a.arch, a.state, a.rpms.map((r) => basename(r))])).toEqual([
      ['noarch', 'succeeded', [`greeter-0.1-${srpm.release}.el9.noarch.rpm`]],
    ]);
    expect(result.srpm).toBe(srpm.path);
    expect(readFileSync(result.log ?? '', 'utf8')).toMatch(/Wrote: .*\.el9\.noarch\.rpm/);
  });

  it('builds the arches it can and reports the others skipped, never faked', async () => {
    const dir = tempDir();
    const srpm = await srpmOf(dir);
    const target = { ...el9, arches: [hostArch, otherArch] };
    const result = await build(new RpmbuildBuilder({ log, sandbox: testSandbox() }), {
      target,
      srpm,
      outDir: join(dir, 'out'),
    });
    expect(result.state).toBe('succeeded');
    expect(result.arches.map((a) => [a.arch, a.state])).toEqual([
      [hostArch, 'succeeded'],
      [otherArch, 'skipped'],
    ]);
    expect(result.arches[1]).toMatchObject({
      rpms: [],
      reason: expect.stringMatching(/configure the koji builder/),
    });
  });

  it('fails a target it cannot build any arch of, as the infrastructure', async () => {
    const dir = tempDir();
    const srpm = await srpmOf(dir);
    const target = { ...el9, arches: [otherArch] };
    const result = await build(new RpmbuildBuilder({ log, sandbox: testSandbox() }), {
      target,
      srpm,
      outDir: join(dir, 'out'),
    });
    expect(result).toMatchObject({ state: 'failed', failure: { class: 'infrastructure' } });
  });

  it('classes a %build that fails as the patch, with its error lines', async () => {
    const dir = tempDir();
    const srpm = await srpmOf(dir, { broken: true });
    const result = await build(new RpmbuildBuilder({ log, sandbox: testSandbox() }), {
      target: el9,
      srpm,
      outDir: join(dir, 'out'),
    });
    expect(result.state).toBe('failed');
    expect(result.failure).toMatchObject({ class: 'patch', arch: 'noarch' });
    expect(result.failure?.errorLines.some((l) => /Bad exit status from .*\(%build\)/.test(l))).toBe(true);
    expect(readFileSync(result.log ?? '', 'utf8')).toMatch(/deliberate failure in %build/);
  });

  it('classes a build past its time limit as the infrastructure, its log kept', async () => {
    const dir = tempDir();
    const srpm = await srpmOf(dir, { slow: true });
    const slow = new RpmbuildBuilder({ log, sandbox: testSandbox(), timeoutMs: 2000 });
    const result = await build(slow, { target: el9, srpm, outDir: join(dir, 'out') });
    expect(result.failure).toMatchObject({
      class: 'infrastructure',
      message: expect.stringMatching(/timed out after 2 s/),
    });
    expect(readFileSync(result.log ?? '', 'utf8')).toMatch(/sleep 30/);
  });
});
