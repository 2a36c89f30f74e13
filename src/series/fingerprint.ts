import { createHash } from 'node:crypto';

/** What a series changes, as one id: the same patches sent again under new Message-IDs (a resend,
 * maybe reworded or re-dated) give the same fingerprint. Like `git patch-id`, it ignores line
 * numbers, blob ids, whitespace and git's signature, and keeps every added, removed and context
 * line and every file name. Pure. */
export function seriesFingerprint(diffs: readonly string[]): string {
  const hash = createHash('sha256');
  for (const diff of diffs) hash.update(normalize(diff)).update('\0');
  return hash.digest('hex');
}

function normalize(diff: string): string {
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
