import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BRANCH_MISSING, GitMirror, isLocalUrl, keptRef } from '../../src/git/mirror.ts';
import { commitFiles, git, makeRepo } from '../helpers/git.ts';
import { tempDir } from '../helpers/tmp.ts';

/** An upstream bare repository, a clone of it to move it on with, and a mirror of it. */
function world() {
  const dir = tempDir();
  const work = makeRepo(join(dir, 'work'), { 'a.txt': 'one\ntwo\nthree\n', 'b.txt': 'bee\n' });
  const upstream = join(dir, 'upstream.git');
  git(dir, ['clone', '-q', '--bare', work, upstream]);
  git(work, ['remote', 'add', 'origin', upstream]);
  const mirror = new GitMirror({ workDir: join(dir, 'pf') });
  return { dir, work, upstream, mirror, mirrorDir: join(dir, 'pf', 'mirrors', 'p.git') };
}

/** A commit on `branch` of upstream, made in `work` and pushed; its id. */
function pushCommit(work: string, branch: string, message: string, files: Record<string, string>): string {
  git(work, ['checkout', '-q', '-B', branch, 'master']);
  commitFiles(work, message, files);
  git(work, ['push', '-q', '-f', 'origin', `${branch}:${branch}`]);
  const id = git(work, ['rev-parse', 'HEAD']).trim();
  git(work, ['checkout', '-q', 'master']);
  return id;
}

const tipOf = (repo: string, ref: string) => git(repo, ['rev-parse', '--verify', '--quiet', ref]).trim();
const refsOf = (repo: string, prefix: string) => git(repo, ['for-each-ref', '--format=%(refname)', prefix]);

describe('keeping a mirror of a project', () => {
  it('exports the tree of a commit and tells a branch tip', async () => {
    const { dir, upstream, mirror } = world();
    const tip = await mirror.branchTip('p', upstream, 'master');
    expect(tip).toBe(git(upstream, ['rev-parse', 'master']).trim());
    const dest = join(dir, 'tree');
    await mirror.exportTree('p', upstream, tip, dest);
    expect(readFileSync(join(dest, 'b.txt'), 'utf8')).toBe('bee\n');
  });

  it('exports one commit into several trees at once (one per target built side by side)', async () => {
    const { dir, upstream, mirror } = world();
    const tip = await mirror.branchTip('p', upstream, 'master');
    const dests = ['el9', 'fc41', 'el10'].map((t) => join(dir, 'trees', `${tip}-${t}`));
    await Promise.all(dests.map((d) => mirror.exportTree('p', upstream, tip, d)));
    for (const d of dests) expect(readFileSync(join(d, 'b.txt'), 'utf8')).toBe('bee\n');
    expect(readdirSync(join(dir, 'trees')).sort()).toEqual(dests.map((d) => d.split('/').at(-1)).sort());
  });

  it('names the repository it cannot fetch', async () => {
    const { mirror } = world();
    await expect(mirror.branchTip('p', '/nonexistent/repo.git', 'master')).rejects.toThrow(
      /cannot fetch \/nonexistent\/repo.git for project p/,
    );
  });

  it('says a configured branch the repository lacks is missing, not to be retried, on the first clone and on a fetch after it', async () => {
    const { upstream, mirror } = world();
    const missing = {
      code: BRANCH_MISSING,
      retryable: false,
      message: `project p: the repository ${upstream} has no branch "kbuild": correct projects.p.branches in the configuration, or create the branch in the repository (git push ${upstream} <commit>:refs/heads/kbuild)`,
    };
    // The first use clones (every branch there is); a later one fetches the branch alone.
    await expect(mirror.branchTip('p', upstream, 'kbuild')).rejects.toMatchObject(missing);
    await expect(mirror.branchTip('p', upstream, 'kbuild')).rejects.toMatchObject(missing);
    await expect(mirror.branchPatchIds('p', upstream, 'kbuild')).rejects.toMatchObject(missing);
    expect(await mirror.branchTip('p', upstream, 'master')).toBe(tipOf(upstream, 'master'));
  });

  it('clones aside on first use and leaves no partial clone behind', async () => {
    const { dir, upstream, mirror, mirrorDir } = world();
    expect(await mirror.fetch('p', upstream, 'nothing')).toBe(mirrorDir);
    expect(mirror.gitDir('p')).toBe(mirrorDir);
    expect(readdirSync(join(dir, 'pf', 'mirrors'))).toEqual(['p.git']);
    expect(git(mirrorDir, ['rev-parse', '--is-bare-repository']).trim()).toBe('true');
  });

  it('fetches only the branch in use, every branch, or nothing, as asked', async () => {
    const { work, upstream, mirror, mirrorDir } = world();
    await mirror.fetch('p', upstream, 'nothing');
    const moved = pushCommit(work, 'master', 'a: moved', { 'a.txt': 'moved\n' });
    const side = pushCommit(work, 'side', 'b: side', { 'b.txt': 'side\n' });

    await mirror.fetch('p', upstream, 'nothing');
    expect(tipOf(mirrorDir, 'refs/heads/master')).not.toBe(moved);
    await mirror.fetch('p', upstream, { branch: 'master' });
    expect(tipOf(mirrorDir, 'refs/heads/master')).toBe(moved);
    expect(refsOf(mirrorDir, 'refs/heads/side')).toBe('');
    await mirror.fetch('p', upstream, 'every branch');
    expect(tipOf(mirrorDir, 'refs/heads/side')).toBe(side);
  });

  it('tells whether a commit is on a branch now, fetching first', async () => {
    const { work, upstream, mirror } = world();
    const first = git(upstream, ['rev-parse', 'master']).trim();
    expect(await mirror.contains('p', upstream, 'master', first)).toBe(true);
    // Pushed after the mirror was made: contains fetches before it answers.
    const moved = pushCommit(work, 'master', 'a: moved', { 'a.txt': 'moved\n' });
    expect(await mirror.contains('p', upstream, 'master', moved)).toBe(true);
    const side = pushCommit(work, 'side', 'b: side', { 'b.txt': 'side\n' });
    await mirror.fetch('p', upstream, 'every branch');
    expect(await mirror.contains('p', upstream, 'master', side)).toBe(false);
  });

  it('exports the tree of a commit the mirror lacks, fetching every branch for it', async () => {
    const { dir, work, upstream, mirror } = world();
    await mirror.branchTip('p', upstream, 'master');
    const side = pushCommit(work, 'side', 'b: side', { 'b.txt': 'side\n' });
    const dest = join(dir, 'tree');
    await mirror.exportTree('p', upstream, side, dest);
    expect(readFileSync(join(dest, 'b.txt'), 'utf8')).toBe('side\n');
    expect(readFileSync(join(dest, 'a.txt'), 'utf8')).toBe('one\ntwo\nthree\n');
    // The archive it extracted from is gone, and no worktree was registered.
    expect(existsSync(join(dir, `${side}.tar`))).toBe(false);
    expect(git(mirror.gitDir('p'), ['worktree', 'list']).trim().split('\n')).toHaveLength(1);
  });

  it("builds a merged-results pipeline's commit, on no branch, fetched by its id; an unknown commit is no error to retry", async () => {
    const { dir, work, upstream, mirror } = world();
    // GitLab keeps the merged result at refs/merge-requests/<iid>/merge, which no clone fetches.
    const merged = pushCommit(work, 'tmp', 'b: merged result', { 'b.txt': 'merged\n' });
    git(upstream, ['update-ref', 'refs/merge-requests/1/merge', merged]);
    git(upstream, ['branch', '-q', '-D', 'tmp']);
    // file://, not a path: a local clone copies every object, even those of no branch.
    const url = `file://${upstream}`;
    expect(await mirror.hasCommit('p', url, merged)).toBe(true);
    await mirror.exportTree('p', url, merged, join(dir, 'tree'));
    expect(readFileSync(join(dir, 'tree', 'b.txt'), 'utf8')).toBe('merged\n');
    expect(await mirror.hasCommit('p', url, '0'.repeat(40))).toBe(false);
    expect(await mirror.hasCommit('p', url, 'deadbeef')).toBe(false);
    await expect(mirror.exportTree('p', url, '0'.repeat(40), join(dir, 'none'))).rejects.toMatchObject({
      code: 'git_unknown_commit',
      retryable: false,
    });
  });

  it('removes working refs a killed process left behind', async () => {
    const { upstream, mirrorDir, dir } = world();
    await new GitMirror({ workDir: join(dir, 'pf') }).branchTip('p', upstream, 'master');
    git(mirrorDir, ['update-ref', 'refs/patchferry/apply/left-by-a-killed-run', 'master']);
    await new GitMirror({ workDir: join(dir, 'pf') }).branchTip('p', upstream, 'master'); // the next process
    expect(git(mirrorDir, ['for-each-ref', 'refs/patchferry/apply/'])).toBe('');
  });

  it('runs the changes to one mirror one at a time, also after one failed', async () => {
    const { mirror } = world();
    const order: string[] = [];
    const step =
      (name: string, ms: number, fail = false) =>
      async () => {
        order.push(`${name} start`);
        await new Promise((r) => setTimeout(r, ms));
        order.push(`${name} end`);
        if (fail) throw new Error(name);
        return name;
      };
    const runs = [
      mirror.exclusive('p', step('a', 30, true)),
      mirror.exclusive('p', step('b', 10)),
      mirror.exclusive('q', step('other project', 1)),
    ];
    const results = await Promise.allSettled(runs);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(order.indexOf('b start')).toBeGreaterThan(order.indexOf('a end'));
    expect(order.indexOf('other project end')).toBeLessThan(order.indexOf('a end'));
  });
});

describe('pushing from a mirror', () => {
  it('pushes a commit to its branch, keeps the version and drops working refs beside it', async () => {
    const { work, upstream, mirror, mirrorDir } = world();
    const base = git(upstream, ['rev-parse', 'master']).trim();
    const head = pushCommit(work, 'topic', 'a: topic', { 'a.txt': 'topic\n' });
    await mirror.fetch('p', upstream, 'every branch');
    const ref = mirror.workRef();
    expect(ref).toMatch(/^refs\/patchferry\/apply\/[0-9a-f-]{36}$/);
    git(mirrorDir, ['update-ref', ref, head]);

    await mirror.push('p', {
      gitUrl: upstream,
      branch: 'pf/s',
      force: true,
      base,
      head,
      keepAs: 's@x',
      drop: [ref],
    });
    expect(tipOf(upstream, 'refs/heads/pf/s')).toBe(head);
    expect(tipOf(mirrorDir, keptRef('s@x', 'head'))).toBe(head);
    expect(tipOf(mirrorDir, keptRef('s@x', 'base'))).toBe(base);
    expect(refsOf(mirrorDir, 'refs/patchferry/apply/')).toBe('');
  });

  it('names the branch it cannot push to, and force-pushes only when told', async () => {
    const { work, upstream, mirror } = world();
    const base = git(upstream, ['rev-parse', 'master']).trim();
    const one = pushCommit(work, 'one', 'a: one', { 'a.txt': '1\n' });
    const other = pushCommit(work, 'other', 'a: other', { 'a.txt': '2\n' });
    await mirror.fetch('p', upstream, 'every branch');
    const push = { gitUrl: upstream, branch: 'pf/s', base };
    await mirror.push('p', { ...push, force: false, head: one });
    await expect(mirror.push('p', { ...push, force: false, head: other })).rejects.toThrow(
      `cannot push to pf/s of ${upstream}`,
    );
    expect(tipOf(upstream, 'refs/heads/pf/s')).toBe(one);
    await mirror.push('p', { ...push, force: true, head: other });
    expect(tipOf(upstream, 'refs/heads/pf/s')).toBe(other);
  });

  it('drops working refs, and shrugs at ones already gone', async () => {
    const { upstream, mirror, mirrorDir } = world();
    await mirror.fetch('p', upstream, 'nothing');
    const [kept, gone] = [mirror.workRef(), mirror.workRef()];
    git(mirrorDir, ['update-ref', kept, 'master']);
    await mirror.dropRefs('p', [kept, gone]);
    await mirror.dropRefs('p', []);
    expect(refsOf(mirrorDir, 'refs/patchferry/apply/')).toBe('');
  });

  it('shows what changed between two kept versions with range-diff', async () => {
    const { work, upstream, mirror } = world();
    const base = git(upstream, ['rev-parse', 'master']).trim();
    const v1 = pushCommit(work, 'v1', 'a: change', { 'a.txt': 'one\n2\nthree\n' });
    const v2 = pushCommit(work, 'v2', 'a: change, reworded', { 'a.txt': 'one\n2\nthree\n' });
    await mirror.fetch('p', upstream, 'every branch');
    const push = { gitUrl: upstream, branch: 'pf/s', force: true, base };
    await mirror.push('p', { ...push, head: v1, keepAs: 'series-v1@x' });
    await mirror.push('p', { ...push, head: v2, keepAs: 'series-v2@x' });
    const diff = await mirror.rangeDiff('p', upstream, 'series-v1@x', 'series-v2@x');
    expect(diff).toMatch(/1: +[0-9a-f]+ ! 1: +[0-9a-f]+ a: change/);
    expect(diff).toContain('+    a: change, reworded');
  });
});

describe('naming kept versions', () => {
  it('hashes the series id, which may hold characters a ref may not', () => {
    const ref = keptRef('<20260101.1234.a b~c@example.org>', 'head');
    expect(ref).toMatch(/^refs\/patchferry\/[0-9a-f]{40}\/head$/);
    expect(git(tempDir(), ['check-ref-format', ref]).trim()).toBe('');
    expect(keptRef('x', 'base')).not.toBe(keptRef('y', 'base'));
  });
});

describe('telling local repositories from remote ones', () => {
  it('takes paths and file:// URLs for local, and ssh, scp-like and http URLs for remote', () => {
    expect(isLocalUrl('/srv/git/qemu.git')).toBe(true);
    expect(isLocalUrl('../qemu.git')).toBe(true);
    expect(isLocalUrl('file:///srv/git/qemu.git')).toBe(true);
    expect(isLocalUrl('./dir:with-colon/qemu.git')).toBe(true);
    expect(isLocalUrl('git@gitlab.example.org:virt/qemu.git')).toBe(false);
    expect(isLocalUrl('ssh://git@gitlab.example.org/virt/qemu.git')).toBe(false);
    expect(isLocalUrl('https://127.0.0.1:8443/virt/qemu.git')).toBe(false);
  });
});
