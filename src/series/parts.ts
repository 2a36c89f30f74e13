import { seriesFingerprint } from './fingerprint.ts';
import type { SeriesMail as Mail } from './series.ts';

/** Facts about the parts of a series, for assembly and rerolls. Pure. */

/** Every part from 1 to the total is there. */
export function isComplete(patches: ReadonlyMap<number, Mail>, total: number): boolean {
  for (let part = 1; part <= total; part++) if (!patches.has(part)) return false;
  return true;
}

export function fingerprintOf(patches: ReadonlyMap<number, Mail>, total: number): string | null {
  if (!isComplete(patches, total) || [...patches.values()].some((m) => m.diff === undefined)) return null;
  return seriesFingerprint([...patches.entries()].sort(([a], [b]) => a - b).map(([, m]) => m.diff ?? ''));
}

/** Whether `mail` was sent in reply to `other` (directly or further down its thread). */
export function answers(mail: Mail, other: Mail): boolean {
  return mail.inReplyTo === other.messageId || mail.references.includes(other.messageId);
}
