import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Git } from './git-run.ts';

/** Commits of the branch that touch the series' files looked at, at most (newest first). */
const MAX_COMMITS = 2000;
/** Past this many files the log is not limited to them (the command line would grow too long). */
const MAX_PATHS = 500;

/**
 * The commits of `branch` in the bare repository `git` runs in that carry `patches` (raw mails),
 * matched by `git patch-id --stable`: the same change whatever its message, date or line numbers.
 * `base` is the parent of the first patch's commit, `head` the last patch's commit. Null unless
 * every patch that has a diff is on the branch (and at least one has). Only the newest
 * MAX_COMMITS commits that touch the files the patches touch are looked at (not a date limit:
 * commit dates need not grow along a branch, and git stops a `--since` walk at the first older
 * one). Each mail is read as `git am` reads it (`git mailinfo`), so an encoded body gives its
 * diff. `branch` must be a branch name the caller checked.
 */
export async function appliedOn(
  git: Git,
  branch: string,
  patches: readonly Buffer[],
): Promise<{ base: string; head: string } | null> {
  const dir = await mkdtemp(join(tmpdir(), 'patchferry-patch-id-'));
  try {
    const wanted: string[] = [];
    const paths = new Set<string>();
    for (const [i, raw] of patches.entries()) {
      const file = join(dir, `${i}.patch`);
      await git.raw(['mailinfo', join(dir, `${i}.msg`), file], raw);
      const diff = await readFile(file);
      const id = diff.length === 0 ? '' : (await git.raw(['patch-id', '--stable'], diff)).split(' ')[0];
      if (!id) continue;
      wanted.push(id);
      for (const path of pathsOf(await git.raw(['apply', '--numstat', '-z', file]))) paths.add(path);
    }
    if (wanted.length === 0) return null;
    const limit = paths.size > 0 && paths.size <= MAX_PATHS ? ['--', ...paths] : ['--'];
    // Literal: a file name is never read as pathspec magic (":(exclude)…").
    const log = await git
      .env('GIT_LITERAL_PATHSPECS', '1')
      .raw([
        'log',
        '--no-merges',
        '-p',
        '--full-diff',
        '--format=commit %H',
        `--max-count=${MAX_COMMITS}`,
        `refs/heads/${branch}`,
        ...limit,
      ]);
    const commitOf = new Map<string, string>();
    for (const line of (await git.raw(['patch-id', '--stable'], log)).split('\n')) {
      const [id, commit] = line.split(' ');
      // The oldest commit of a change is the one its series made (a revert-and-reapply is later).
      if (id && commit) commitOf.set(id, commit);
    }
    const commits = wanted.map((id) => commitOf.get(id));
    if (commits.some((c) => c === undefined)) return null;
    const first = commits[0] as string;
    const head = commits.at(-1) as string;
    const parent = await git.raw(['rev-parse', '--verify', '--quiet', `${first}^`]).catch(() => '');
    return { base: parent.trim() || first, head };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The files `git apply --numstat -z` names: `added\tdeleted\tpath`, or for a rename or copy
 * `added\tdeleted\t` and then the old and the new path, each ended by NUL. */
function pathsOf(numstat: string): string[] {
  const fields = numstat.split('\0');
  const paths: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    const m = /^(?:-|\d+)\t(?:-|\d+)\t(.*)$/s.exec(fields[i] ?? '');
    if (!m) continue;
    if (m[1]) {
      paths.push(m[1]);
    } else {
      paths.push(...[fields[i + 1], fields[i + 2]].filter((p): p is string => !!p));
      i += 2;
    }
  }
  return paths;
}
