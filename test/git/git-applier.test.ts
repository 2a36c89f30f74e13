import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GitApplier } from '../../src/git/git-applier.ts';
import type { PatchToApply } from '../../src/git/types.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { commitFiles, formatPatches, git, makeRepo } from '../helpers/git.ts';
import { tempDir } from '../helpers/tmp.ts';

/** An upstream bare repository and patches made against it on a side branch. */
function world() {
  const dir = tempDir();
  const work = makeRepo(join(dir, 'work'), { 'a.txt': 'one\ntwo\nthree\n', 'b.txt': 'bee\n' });
  const upstream = join(dir, 'upstream.git');
  git(dir, ['clone', '-q', '--bare', work, upstream]);
  git(work, ['checkout', '-q', '-b', 'topic']);
  const applier = new GitApplier({ workDir: join(dir, 'pf'), log: silentLogger() });
  return { dir, work, upstream, applier };
}

const asPatches = (mails: Buffer[], trailers: string[][] = []): PatchToApply[] =>
  mails.map((raw, i) => ({ part: i + 1, subject: `patch ${i + 1}`, raw, trailers: trailers[i] ?? [] }));

describe('applying series with git am', () => {
  it('applies every patch onto the target branch, keeps authors and folds trailers in', async () => {
    const { work, upstream, applier } = world();
    commitFiles(work, 'a: change two', { 'a.txt': 'one\n2\nthree\n' }, { name: 'Ada', email: 'ada@x' });
    commitFiles(
      work,
      'b: change bee\n\nSigned-off-by: Ada <ada@x>',
      { 'b.txt': 'BEE\n' },
      { name: 'Ada', email: 'ada@x' },
    );
    const result = await applier.apply({
      project: 'p',
      gitUrl: upstream,
      branch: 'master',
      workName: 'series-1@x',
      patches: asPatches(formatPatches(work, 2), [[], ['Reviewed-by: Rita <rita@x>']]),
    });
    expect(result.ok).toBe(true);
    const log = git(upstream, ['log', '--format=%an|%s|%(trailers:only,unfold)', 'master'])
      .trim()
      .split('\n')
      .filter(Boolean);
    expect(log).toEqual([
      'Ada|b: change bee|Signed-off-by: Ada <ada@x>',
      'Reviewed-by: Rita <rita@x>',
      'Ada|a: change two|',
      'Tess Tester|initial|',
    ]);
    if (result.ok) expect(git(upstream, ['rev-parse', 'master']).trim()).toBe(result.head);
  });

  it("reports the patch that failed, the conflicting files and git's words, and pushes nothing", async () => {
    const { work, upstream, applier } = world();
    commitFiles(work, 'b: first', { 'b.txt': 'first\n' });
    commitFiles(work, 'a: conflicting', { 'a.txt': 'one\nTWO\nthree\n' });
    const mails = formatPatches(work, 2);
    // Upstream moves on in a way the second patch cannot merge with.
    const other = join(tempDir(), 'other');
    git(tempDir(), ['clone', '-q', upstream, other]);
    commitFiles(other, 'a: upstream change', { 'a.txt': 'one\nzwei\nthree\n' });
    git(other, ['push', '-q', 'origin', 'master']);
    const before = git(upstream, ['rev-parse', 'master']).trim();

    const result = await applier.apply({
      project: 'p',
      gitUrl: upstream,
      branch: 'master',
      workName: 's2',
      patches: asPatches(mails),
    });
    expect(result).toMatchObject({
      ok: false,
      failedPart: 2,
      failedSubject: 'patch 2',
      conflicts: ['a.txt'],
    });
    if (!result.ok) expect(result.output).toMatch(/Patch failed at 0001 a: conflicting/);
    expect(git(upstream, ['rev-parse', 'master']).trim()).toBe(before);
  });

  it('runs series for one project in separate worktrees and cleans them up', async () => {
    const { dir, work, upstream, applier } = world();
    commitFiles(work, 'b: x', { 'b.txt': 'x\n' });
    const [mail] = formatPatches(work, 1);
    await applier.apply({
      project: 'p',
      gitUrl: upstream,
      branch: 'master',
      workName: 'w',
      patches: asPatches([mail as Buffer]),
    });
    expect(
      git(join(dir, 'pf', 'mirrors', 'p.git'), ['worktree', 'list'])
        .trim()
        .split('\n'),
    ).toHaveLength(1);
  });

  it('exports the tree of a commit and tells a branch tip', async () => {
    const { dir, upstream, applier } = world();
    const tip = await applier.branchTip('p', upstream, 'master');
    expect(tip).toBe(git(upstream, ['rev-parse', 'master']).trim());
    const dest = join(dir, 'tree');
    await applier.exportTree('p', upstream, tip, dest);
    expect(readFileSync(join(dest, 'b.txt'), 'utf8')).toBe('bee\n');
  });

  it('names the repository it cannot fetch', async () => {
    const { applier } = world();
    await expect(applier.branchTip('p', '/nonexistent/repo.git', 'master')).rejects.toThrow(
      /cannot fetch \/nonexistent\/repo.git for project p/,
    );
  });
});
