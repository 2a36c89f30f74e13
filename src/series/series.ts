import type { Mail } from '../mail/mail.ts';
import type { Trailer } from '../mail/body.ts';

/** A patch series: one version of one submission, with its cover letter, parts and replies. */
export interface Series {
  /** The Message-ID of the cover letter, or of the first patch when there is none. */
  readonly id: string;
  readonly title: string;
  readonly sender: Mail['from'];
  readonly version: number;
  readonly total: number;
  readonly cover: Mail | null;
  /** Patches by part number, 1..total; missing parts are absent. */
  readonly patches: ReadonlyMap<number, Mail>;
  readonly replies: readonly Mail[];
  readonly complete: boolean;
  /** Trailers to fold into each patch, by the patch's Message-ID. */
  readonly trailers: ReadonlyMap<string, readonly Trailer[]>;
  /** Parts seen twice, or numbered past the total. */
  readonly extras: readonly Mail[];
  /** The series an earlier version of which this one replaces. */
  readonly supersedes: string | null;
}

/** The patches of a complete series in order. */
export function orderedPatches(series: Series): Mail[] {
  return [...series.patches.entries()].sort(([a], [b]) => a - b).map(([, mail]) => mail);
}
