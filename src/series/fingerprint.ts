import { createHash } from 'node:crypto';
import { normalizedDiff } from '../mail/patch-id.ts';

/** What a series changes, as one id: the same patches sent again under new Message-IDs (a resend,
 * maybe reworded or re-dated) give the same fingerprint. Each diff is read as mail/patch-id.ts
 * reads it (git patch-id's rules). Pure. */
export function seriesFingerprint(diffs: readonly string[]): string {
  const hash = createHash('sha256');
  for (const diff of diffs) hash.update(normalizedDiff(diff)).update('\0');
  return hash.digest('hex');
}
