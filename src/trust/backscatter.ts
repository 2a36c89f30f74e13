import { firstAddress, headerDate, readHeaders, type Headers } from '../mail/headers.ts';

/** What decides whether a mail may be answered, read from its headers. */
export interface ReplyFacts {
  readonly autoSubmitted: string | null;
  readonly precedence: string | null;
  readonly listId: string | null;
  readonly listPost: string | null;
  /** null without the field; '' when it is empty (`<>`: a bounce). */
  readonly returnPath: string | null;
  /** The From: address, '' when there is none that parses. */
  readonly from: string;
  readonly date: Date | null;
  /** The mail is one of patchferry's own reports (its marker header). */
  readonly ownReport: boolean;
}

/** The header that marks patchferry's own mails (notify/compose.ts writes it). */
export const REPORT_MARKER = 'X-Patchferry-Report';

export function replyFacts(raw: Buffer): ReplyFacts {
  const headers = readHeaders(raw);
  return {
    autoSubmitted: first(headers, 'auto-submitted'),
    precedence: first(headers, 'precedence'),
    listId: first(headers, 'list-id'),
    listPost: first(headers, 'list-post'),
    returnPath: returnPath(headers),
    from: firstAddress(headers, 'from').address,
    date: headerDate(headers),
    ownReport: headers.fields.has(REPORT_MARKER.toLowerCase()),
  };
}

export interface ReplyContext {
  /** The lists patchferry reads (reporter.listAddress and every project's `lists`: addresses or
   * List-Id values): their own Precedence: list is no reason to stay silent. */
  readonly ourLists: readonly string[];
  /** For mail that came in through a backfill (`import`, `sync --since`): when patchferry first
   * read its source. Such mail dated before then (or undated) is history, never answered. null for
   * live mail. */
  readonly historySince: Date | null;
  /** Why the sender failed the authenticity policy, when it did and such senders get no answer. */
  readonly unauthenticated: string | null;
}

/**
 * Why patchferry must not answer this mail, or null when it may. Rules of RFC 3834 §2 (no replies
 * to automatic mail: Auto-Submitted other than "no", Precedence bulk/junk/list, an empty
 * Return-Path, MAILER-DAEMON and postmaster), plus: a mail without a valid From, a sender that
 * failed the authenticity policy (a reply to a forged From: is backscatter), patchferry's own
 * reports, and history older than the source's first reading. Pure.
 */
export function noReplyReason(f: ReplyFacts, ctx: ReplyContext): string | null {
  const auto = f.autoSubmitted?.split(';')[0]?.trim().toLowerCase();
  if (auto && auto !== 'no') return `it was sent automatically (Auto-Submitted: ${auto})`;
  if (f.ownReport) return "it is one of patchferry's own reports";
  const precedence = f.precedence?.trim().toLowerCase();
  if (
    (precedence === 'bulk' || precedence === 'junk' || precedence === 'list') &&
    !ctx.ourLists.some((list) => ourList(f, list))
  )
    return `it came with Precedence: ${precedence} from another list`;
  if (f.returnPath === '') return 'its Return-Path is empty (a bounce)';
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(f.from)) return 'it has no valid From: address';
  if (/^(mailer-daemon|postmaster)$/i.test(f.from.slice(0, f.from.lastIndexOf('@'))))
    return `it comes from ${f.from}`;
  if (ctx.unauthenticated !== null) return `its sender is not authenticated (${ctx.unauthenticated})`;
  if (ctx.historySince !== null && (f.date === null || f.date.getTime() < ctx.historySince.getTime()))
    return "it is history: older than patchferry's first reading of its source";
  return null;
}

/** A mail of one of patchferry's lists, given as an address or a List-Id value: its List-Id is the
 * value, or the address with "@" made "." (RFC 2919's usual form); or its List-Post names the
 * address. */
function ourList(f: ReplyFacts, ours: string): boolean {
  const list = ours
    .toLowerCase()
    .replace(/^.*<|>.*$/g, '')
    .trim();
  if (list === '') return false;
  const id = (/<([^>]+)>/.exec(f.listId ?? '')?.[1] ?? f.listId)?.trim().toLowerCase();
  if (!list.includes('@')) return id === list;
  if (f.listPost?.toLowerCase().includes(`mailto:${list}`)) return true;
  return id === list.replace('@', '.');
}

function first(headers: Headers, name: string): string | null {
  return headers.fields.get(name)?.[0] ?? null;
}

function returnPath(headers: Headers): string | null {
  const values = headers.fields.get('return-path');
  if (!values || values.length === 0) return null;
  // The delivering server adds the newest on top: that one is the envelope sender.
  return (values[0] ?? '').replace(/[<>\s]/g, '');
}
