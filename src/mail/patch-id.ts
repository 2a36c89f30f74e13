import { createHash } from 'node:crypto';

/** What one patch changes, as an id that stays the same when the patch is sent again (a new
 * version that leaves this part alone, a rebase, a reworded message): like `git patch-id`, it
 * ignores line numbers, blob ids, white space and git's signature, and keeps every added, removed
 * and context line and every file name. A sha256 in hex. Pure. */
export function patchId(diff: string): string {
  return createHash('sha256').update(normalizedDiff(diff)).digest('hex');
}

/** The lines of a diff that say what it changes, for patchId and the series fingerprint. */
export function normalizedDiff(diff: string): string {
  const out: string[] = [];
  for (const raw of diff.split(/\r?\n/)) {
    if (raw === '-- ') break; // git's signature ("-- \n2.47.1") ends the patch
    const line = raw.replace(/\s+/g, ' ').trimEnd();
    if (line.startsWith('index ') || line === '') continue;
    if (line.startsWith('@@')) out.push('@@');
    else if (
      /^(diff |[-+ ]|rename |new file|deleted file|similarity |copy |old mode|new mode|Binary|GIT binary)/.test(
        line,
      )
    )
      out.push(line);
  }
  return out.join('\n');
}
