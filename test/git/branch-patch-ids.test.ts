import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { branchPatchIds } from '../../src/git/branch-patch-ids.ts';
import { parseMail } from '../../src/mail/parse.ts';
import { commitFiles, formatPatches, git, makeRepo } from '../helpers/git.ts';
import { tempDir } from '../helpers/tmp.ts';

const lines = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag} line ${i}\n`).join('');

describe('branchPatchIds', () => {
  it("gives each recent commit's change under the patch id its format-patch mail carries, merges left out", async () => {
    const dir = makeRepo(join(tempDir(), 'work'), { 'a.c': lines(20, 'a'), 'b.c': lines(20, 'b') });
    // One commit far longer than a pipe's chunk, one touching two files, one rename-free add.
    commitFiles(dir, 'long', { 'big.c': lines(40_000, 'big') });
    commitFiles(dir, 'two files', { 'a.c': lines(21, 'a'), 'b.c': lines(19, 'b') });
    commitFiles(dir, 'new file', { 'new.c': 'hello\n' });
    const mails = formatPatches(dir, 3);
    const commits = git(dir, ['rev-list', '--reverse', '-3', 'HEAD']).trim().split('\n');
    // A merge of a side branch: not a change of its own.
    git(dir, ['checkout', '-q', '-b', 'side', 'HEAD~1']);
    commitFiles(dir, 'side', { 'c.c': 'side\n' });
    git(dir, ['checkout', '-q', 'master']);
    git(dir, ['merge', '-q', '--no-ff', '-m', 'merge side', 'side']);

    const ids = await branchPatchIds(join(dir, '.git'), 'master');
    for (const [i, raw] of mails.entries()) {
      const { patchId } = await parseMail(raw);
      expect(ids.get(patchId ?? '')).toBe(commits[i]);
    }
    // The initial commit, the three, the side commit; never the merge.
    expect(ids.size).toBe(5);
  });

  it('names the oldest commit of a change made twice (a revert and a reapply) and reads only the newest commits asked for', async () => {
    const dir = makeRepo(join(tempDir(), 'work'), { 'a.c': lines(5, 'a') });
    commitFiles(dir, 'change', { 'a.c': lines(6, 'a') });
    const [mail] = formatPatches(dir, 1);
    const first = git(dir, ['rev-parse', 'HEAD']).trim();
    git(dir, ['revert', '--no-edit', 'HEAD']);
    commitFiles(dir, 'change again', { 'a.c': lines(6, 'a') });
    const { patchId } = await parseMail(mail ?? Buffer.alloc(0));
    expect((await branchPatchIds(join(dir, '.git'), 'master')).get(patchId ?? '')).toBe(first);
    const newest = git(dir, ['rev-parse', 'HEAD']).trim();
    expect((await branchPatchIds(join(dir, '.git'), 'master', 1)).get(patchId ?? '')).toBe(newest);
  });

  it('fails on a branch the repository does not have', async () => {
    const dir = makeRepo(join(tempDir(), 'work'), { 'a.c': 'a\n' });
    await expect(branchPatchIds(join(dir, '.git'), 'nosuch')).rejects.toThrow(/git log/);
  });
});
