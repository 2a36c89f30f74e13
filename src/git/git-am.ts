import { writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Git } from './git-run.ts';
import { ToolError, errorMessage } from '../shared/errors.ts';
import { amMailbox } from './am-mailbox.ts';
import type { ApplyResult, PatchToApply } from '../ports/repository.ts';

export interface GitAmRun {
  /** git in the worktree, at the commit the patches go on. */
  readonly git: Git;
  readonly patches: readonly PatchToApply[];
  /** Where the series started: `applied` patches of it are commits since `base` already. */
  readonly base: string;
  readonly applied: number;
  readonly reproducible: boolean;
  /** Where the mailboxes are written; each one written is added to `mailboxes`, for the caller to
   * remove once the series is done. */
  readonly mailDir: string;
  readonly mailboxes: string[];
}

/**
 * `git am --3way` of the patches in the worktree `git` runs in, one run per stretch of patches
 * without trailers and one per patch with trailers to fold in (a 50-patch series without review
 * trailers is one git process, as a maintainer would run it). The failure, when git stops on a
 * patch; else null.
 */
export async function gitAm(run: GitAmRun): Promise<ApplyResult | null> {
  const { git } = run;
  const groups = amGroups(run.patches);
  const files = groups.map(() => join(run.mailDir, `series-${randomUUID()}.mbox`));
  run.mailboxes.push(...files);
  await Promise.all(groups.map((group, i) => writeFile(files[i] ?? '', amMailbox(group.map((p) => p.raw)))));
  let done = run.applied;
  for (const [i, group] of groups.entries()) {
    const last = group.at(-1);
    const folding = last !== undefined && last.trailers.length > 0;
    const before = folding ? await head(git) : null;
    try {
      await git.raw([
        'am',
        '--3way',
        '--quiet',
        '--patch-format=mboxrd',
        ...(run.reproducible ? ['--committer-date-is-author-date'] : []),
        files[i] ?? '',
      ]);
    } catch (err) {
      // Stopped (the unit shut down) or out of time: not the patch's doing, nothing to report.
      if (err instanceof ToolError && err.outcome !== 'failed') throw err;
      return failure(git, run.base, group, done, err);
    }
    done += group.length;
    // A patch with trailers runs alone: when git am found it applied already ("No changes"), it
    // made no commit, and HEAD is another patch's commit that the trailers must not go into.
    if (folding && last && (await head(git)) !== before)
      await addTrailers(git, last.trailers, run.reproducible);
  }
  return null;
}

async function head(git: Git): Promise<string> {
  return (await git.raw(['rev-parse', 'HEAD'])).trim();
}

/** What failed in a `git am` of `group`, after `applied` patches before it became commits. */
async function failure(
  git: Git,
  base: string,
  group: readonly PatchToApply[],
  applied: number,
  err: unknown,
): Promise<ApplyResult> {
  // The patches before the failing one became commits: their count says which one failed.
  const done = Number((await git.raw(['rev-list', '--count', `${base}..HEAD`])).trim()) - applied;
  const failed = group[done] ?? group[0];
  const conflicts = (await git.raw(['diff', '--name-only', '--diff-filter=U']).catch(() => ''))
    .split('\n')
    .filter(Boolean);
  const conflictDiff = conflicts.length > 0 ? shorten(await git.raw(['diff']).catch(() => ''), 200) : '';
  await git.raw(['am', '--abort']).catch(() => undefined);
  return {
    ok: false,
    base,
    failedPart: failed?.part ?? 0,
    failedSubject: failed?.subject ?? '',
    conflicts,
    conflictDiff,
    // git numbers the mails of its own run; the series' numbers are the ones the sender knows.
    output: withoutAmHints(errorMessage(err))
      .trim()
      .replace(/^Patch failed at (\d+)/m, (line, n: string) => {
        const part = group[Number(n) - 1]?.part;
        return part === undefined ? line : `Patch failed at ${String(part).padStart(n.length, '0')}`;
      }),
  };
}

/** git am's advice to whoever runs it (hint: lines, "run git am --continue / --skip / --abort"),
 * which means nothing to a patch's sender, taken out of what reports quote. */
export function withoutAmHints(output: string): string {
  return output
    .split('\n')
    .filter((l) => !AM_HINT.test(l))
    .join('\n');
}

const AM_HINT =
  /^(hint: |When you have resolved this problem, run "git am --continue"|If you prefer to skip this patch, run "git am --skip"|To restore the original branch and stop patching, run "git am --abort")/;

async function addTrailers(git: Git, trailers: readonly string[], reproducible: boolean): Promise<void> {
  // Amending sets the committer date to now unless told otherwise; a reproducible series keeps the
  // patch's own date so the commit id stays the same however often it is applied.
  const date = reproducible ? (await git.raw(['log', '-1', '--format=%ad', '--date=raw'])).trim() : null;
  const amend = ['commit', '--amend', '--quiet', '--no-edit', ...trailers.flatMap((t) => ['--trailer', t])];
  if (date) await git.env('GIT_COMMITTER_DATE', date).raw(amend);
  else await git.raw(amend);
}

function shorten(text: string, lines: number): string {
  const all = text.split('\n');
  return all.length <= lines
    ? text
    : `${all.slice(0, lines).join('\n')}\n[... ${all.length - lines} more lines]\n`;
}

/** The series cut around every patch that has trailers: such a patch is a run of its own, so that
 * whether `git am` made a commit of it is known, and its trailers are folded into that commit. */
function amGroups(patches: readonly PatchToApply[]): PatchToApply[][] {
  const groups: PatchToApply[][] = [[]];
  for (const patch of patches) {
    if (patch.trailers.length > 0) groups.push([patch], []);
    else groups.at(-1)?.push(patch);
  }
  return groups.filter((g) => g.length > 0);
}
