import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitAm } from '../../src/git/git-am.ts';
import { gitAt } from '../../src/git/git-run.ts';
import type { PatchToApply } from '../../src/ports/repository.ts';
import { commitFiles, formatPatches, git, makeRepo } from '../helpers/git.ts';
import { tempDir } from '../helpers/tmp.ts';

/** Three patches made on a side branch, and a checkout of master to apply them in. */
function world(third: Record<string, string>) {
  const dir = tempDir();
  const work = makeRepo(join(dir, 'work'), { 'a.txt': 'one\ntwo\nthree\n', 'b.txt': 'bee\n' });
  const checkout = join(dir, 'checkout');
  git(dir, ['clone', '-q', work, checkout]);
  git(work, ['checkout', '-q', '-b', 'topic']);
  commitFiles(work, 'b: first', { 'b.txt': 'first\n' });
  commitFiles(work, 'b: second', { 'b.txt': 'second\n' });
  commitFiles(work, 'a: third', third);
  const patches: PatchToApply[] = formatPatches(work, 3).map((raw, i) => ({
    part: i + 1,
    subject: `patch ${i + 1}`,
    raw,
    // The first patch carries a trailer: git am runs once for it alone and once for the two after it.
    trailers: i === 0 ? ['Reviewed-by: Rita <rita@x>'] : [],
  }));
  const run = gitAt({
    cwd: checkout,
    config: ['user.name=patchferry', 'user.email=patchferry@localhost'],
    env: { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
  });
  const base = git(checkout, ['rev-parse', 'HEAD']).trim();
  return { dir, checkout, patches, run, base };
}

describe('git am of a stretch of a series', () => {
  it('runs git am once per stretch up to a patch with trailers, and folds them into its commit', async () => {
    const { dir, checkout, patches, run, base } = world({ 'a.txt': 'one\nTWO\nthree\n' });
    const mailboxes: string[] = [];
    const failed = await gitAm({
      git: run,
      patches,
      base,
      applied: 0,
      reproducible: true,
      mailDir: dir,
      mailboxes,
    });
    expect(failed).toBeNull();
    expect(mailboxes).toHaveLength(2);
    expect(mailboxes.every((file) => file.startsWith(join(dir, 'series-')))).toBe(true);
    const log = git(checkout, ['log', '--format=%s|%(trailers:only,unfold)', `${base}..HEAD`])
      .trim()
      .split('\n')
      .filter(Boolean);
    expect(log).toEqual(['a: third|', 'b: second|', 'b: first|Reviewed-by: Rita <rita@x>']);
    // Reproducible: the committer date is the author's, also on the amended commit.
    const dates = git(checkout, ['log', '--format=%ad|%cd', '--date=raw', `${base}..HEAD`])
      .trim()
      .split('\n')
      .map((line) => line.split('|'));
    expect(dates).toHaveLength(3);
    for (const [author, committer] of dates) expect(committer).toBe(author);
  });

  it("names the series' own number of a patch that fails in a later stretch, and aborts git am", async () => {
    const { dir, checkout, patches, run } = world({ 'a.txt': 'one\nTWO\nthree\n' });
    // master moved on in a way the third patch cannot merge with.
    commitFiles(checkout, 'a: upstream change', { 'a.txt': 'one\nzwei\nthree\n' });
    const moved = git(checkout, ['rev-parse', 'HEAD']).trim();
    const result = await gitAm({
      git: run,
      patches,
      base: moved,
      applied: 0,
      reproducible: false,
      mailDir: dir,
      mailboxes: [],
    });
    expect(result).toMatchObject({
      ok: false,
      base: moved,
      failedPart: 3,
      failedSubject: 'patch 3',
      conflicts: ['a.txt'],
    });
    // git numbered it 2 of its second run; the sender knows it as 3.
    if (result && !result.ok) expect(result.output).toMatch(/^Patch failed at 0003 a: third$/m);
    if (result && !result.ok) expect(result.conflictDiff).toMatch(/<<<<<<< [\s\S]*zwei[\s\S]*TWO/);
    expect(existsSync(join(checkout, '.git', 'rebase-apply'))).toBe(false);
    // git am --abort goes back to where its run began: the first stretch's commit stays.
    expect(git(checkout, ['log', '--format=%s', `${moved}..HEAD`]).trim()).toBe('b: first');
  });

  it('folds no trailers into another commit when the patch that has them is on the branch already', async () => {
    const { dir, checkout, patches, run } = world({ 'a.txt': 'one\nTWO\nthree\n' });
    // Someone applied patch 1 by hand before the series came: git am finds "No changes" for it.
    await run.raw(['am', '--quiet', '-'], patches[0]?.raw);
    const by = git(checkout, ['log', '-1', '--format=%H|%B']);
    const base = git(checkout, ['rev-parse', 'HEAD']).trim();
    const failed = await gitAm({
      git: run,
      patches,
      base,
      applied: 0,
      reproducible: true,
      mailDir: dir,
      mailboxes: [],
    });
    expect(failed).toBeNull();
    // The commit made by hand is untouched; the other two patches follow it, without the trailer.
    expect(git(checkout, ['log', '-1', '--format=%H|%B', `${base}`])).toBe(by);
    const log = git(checkout, ['log', '--format=%s|%(trailers:only,unfold)', `${base}~1..HEAD`])
      .trim()
      .split('\n')
      .filter(Boolean);
    expect(log).toEqual(['a: third|', 'b: second|', 'b: first|']);
  });
});
