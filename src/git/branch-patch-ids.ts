import { StringDecoder } from 'node:string_decoder';
import { patchId } from '../mail/patch-id.ts';
import { runTool } from '../shared/run.ts';

/** How many of a branch's newest commits (merges left out) are read for their patch ids. */
export const RECENT_COMMITS = 1000;

/**
 * The patch id (mail/patch-id.ts, the one every parsed mail carries) of each of the newest `count`
 * commits of `branch` in the repository at `gitDir` that are no merge, to the commit: the oldest
 * that carries it when several do (a revert and a reapply: the first is the series'). One `git log
 * -p` read as it comes, one commit at a time, so a branch of big commits is never held whole. Its
 * diffs are made as `git format-patch` makes a mail's (no colour, no external diff or textconv),
 * so an applied patch gives the same id as its mail. Not a date window: commit dates need not grow
 * along a branch. Errors: git's (`branch` missing: "unknown revision"). `branch` must be a branch
 * name the caller checked.
 */
export async function branchPatchIds(
  gitDir: string,
  branch: string,
  count: number = RECENT_COMMITS,
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const decoder = new StringDecoder('utf8');
  let pending = '';
  // Each commit starts with a NUL (no text diff holds one) and its id on a line of its own.
  const take = (record: string) => {
    const newline = record.indexOf('\n');
    const commit = record.slice(0, newline);
    const start = record.indexOf('diff --git ', newline);
    if (newline === -1 || start === -1) return;
    // As a mail's diff ends before git's signature: at its last line, with its newline.
    const diff = `${record.slice(start).replace(/\n+$/, '')}\n`;
    ids.set(patchId(diff), commit);
  };
  const read = (text: string) => {
    // Only the new text is searched: a commit of many chunks is not scanned again for each.
    let from = Math.max(1, pending.length);
    pending += text;
    for (let end = pending.indexOf('\0', from); end !== -1; end = pending.indexOf('\0', from)) {
      take(pending.slice(1, end));
      pending = pending.slice(end);
      from = 1;
    }
  };
  await runTool(
    'git',
    [
      'log',
      '--no-merges',
      '-p',
      '--no-color',
      '--no-ext-diff',
      '--no-textconv',
      '--format=%x00%H',
      `--max-count=${count}`,
      `refs/heads/${branch}`,
      '--',
    ],
    { cwd: gitDir, label: 'git log -p', onStdout: (chunk) => read(decoder.write(chunk)) },
  );
  read(decoder.end());
  if (pending.length > 1) take(pending.slice(1));
  return ids;
}
