import type { Mail } from '../mail/mail.ts';
import type { PullRequest, Trailer } from '../mail/body.ts';
import type { RefusedLink } from './versions.ts';

/** What assembly needs of a mail: headers, tag, kind and trailers, not its text. */
export type SeriesMail = Pick<
  Mail,
  | 'messageId'
  | 'inReplyTo'
  | 'references'
  | 'from'
  | 'subject'
  | 'date'
  | 'tag'
  | 'kind'
  | 'trailers'
  | 'supersedes'
  | 'changeId'
  | 'patchId'
  | 'author'
  | 'pull'
> &
  /** The diff, where the content matters (sync); scan leaves it out to stream big archives. */
  Partial<Pick<Mail, 'diff'>>;

/** A patch series: one version of one submission, with its cover letter, parts and replies. */
export interface Series {
  /** The Message-ID of the cover letter, or of the first patch when there is none. */
  readonly id: string;
  readonly title: string;
  readonly sender: SeriesMail['from'];
  /** The in-body From: address of its patches (git's author, when not the sender), else null. */
  readonly author: string | null;
  readonly version: number;
  readonly total: number;
  readonly cover: SeriesMail | null;
  /** The repository and ref a numbered pull request's cover letter (`[PULL 0/N]`) asks to pull. */
  readonly pull: PullRequest | null;
  /** Patches by part number, 1..total; missing parts are absent. */
  readonly patches: ReadonlyMap<number, SeriesMail>;
  readonly replies: readonly SeriesMail[];
  /** Replies to its earlier versions whose trailers were carried over to its unchanged patches
   * (trailers.ts): who gave them, for the trust rules that decide which trailers count. */
  readonly carried: readonly SeriesMail[];
  readonly complete: boolean;
  /** Trailers to fold into each patch, by the patch's Message-ID. */
  readonly trailers: ReadonlyMap<string, readonly Trailer[]>;
  /** Parts numbered past the total (`[PATCH 3/2]` in the thread: in `patches`, after the last
   * part, as patchwork counts them) or seen twice (not applied). */
  readonly extras: readonly SeriesMail[];
  /** Parts a replacement took the place of (a `v5.1 10/12` answering `v5 10/12`, or a lone
   * `v3 2/2` answering v2): kept so that they are accounted for, never applied. */
  readonly replaced: readonly SeriesMail[];
  /** What the patches change (see seriesFingerprint); null until the series is complete. */
  readonly fingerprint: string | null;
  /** b4's topic id, shared by every version (from the cover letter, else the first patch). */
  readonly changeId: string | null;
  /** The series an earlier version of which this one replaces. */
  readonly supersedes: string | null;
  /** Earlier series of another person that a Supersedes:, change-id or reply chain pointed at:
   * not replaced, and said so in the report. */
  readonly refused: readonly RefusedLink[];
}

/** The patches of a complete series in order. */
export function orderedPatches(series: Series): SeriesMail[] {
  return [...series.patches.entries()].sort(([a], [b]) => a - b).map(([, mail]) => mail);
}

/** The mail whose subject tag (and list) route a series: its cover letter, unless that is a naked
 * one, an untagged thread root that is the cover only because its parts answer it (issue 17 item
 * 8): its subject names no repository, its parts' tags do, so the first part routes the series. */
export function routingHead(series: Series): SeriesMail | null {
  const first = orderedPatches(series)[0] ?? null;
  if (series.cover !== null && (series.cover.tag.patchLike || first === null)) return series.cover;
  return first ?? series.cover;
}
