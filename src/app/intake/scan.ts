import type { Limits } from '../../config/limits.ts';
import type { MailSource, RawMessage } from '../../ports/mail-source.ts';
import { formatAddress, type Mail } from '../../mail/mail.ts';
import type { SubjectTag } from '../../mail/subject.ts';
import { identifyMail, parseMail } from '../../mail/parse.ts';
import { assembleSeries } from '../../series/assemble.ts';
import type { SenderLinks } from '../../series/sender.ts';
import { claimedTarget, routeTag, unroutedWords, type RoutingTable } from '../../series/route.ts';
import { KeptStrings, keptForAssembly } from '../../series/kept.ts';
import { orderedPatches, routingHead, type Series, type SeriesMail } from '../../series/series.ts';
import { errorMessage } from '../../shared/errors.ts';
import { holdReason, type SenderPolicy } from '../../trust/hold.ts';
import { mailSizeRefusal } from './admission.ts';

/** One mail as `patchferry scan --json` describes it (a contract other tools rely on). */
export interface ScannedMail {
  file: string;
  index: number;
  messageId: string | null;
  kind: string | null;
  subject: string | null;
  from: string | null;
  date: string | null;
  inReplyTo: string | null;
  repo: string | null;
  branch: string | null;
  version: number | null;
  part: number | null;
  total: number | null;
  /** The tag's keywords (PATCH, RFC…), then its words that name neither the repository nor the
   * branch it is routed to. */
  prefixes: string[];
  pullUrl: string | null;
  pullRef: string | null;
  /** Why the mail was quarantined; null when it parsed. On an `unreadable` entry: why the file
   * could not be read on. */
  error: string | null;
  /** Set (true) only on the entry that ends a file read no further (a damaged or cut-off gzip, an
   * I/O error): it is no mail; `index` is the number of mails read before, the other fields null. */
  unreadable?: true;
  /** With a configuration: why its tag does not route; null when it does or was not checked. */
  routeError?: string | null;
  /** With a configuration: what chose the route, the subject's tag or the list the mail came by. */
  routedBy?: 'tag' | 'list' | null;
}

export interface ScannedSeries {
  id: string;
  repo: string | null;
  branch: string | null;
  /** Its head's prefixes: the tag's keywords, then the words its route did not take. */
  prefixes: string[];
  /** With a configuration: what chose the route (its head's tag, or the list it came by). */
  routedBy?: 'tag' | 'list' | null;
  /** With a configuration: why sync rejects the series for its route (its head's tag and list),
   * or null. */
  routeError?: string | null;
  version: number;
  total: number;
  complete: boolean;
  cover: string | null;
  patches: string[];
  /** Parts seen twice or numbered past the total. */
  extras: string[];
  /** Parts a replacement took the place of (never applied). */
  replaced: string[];
  replies: string[];
  supersedes: string | null;
  /** Another sender's series a Supersedes:, change-id or reply chain pointed at: not replaced. */
  refused: { series: string; via: string; sender: string }[];
  /** A numbered pull request's cover letter: the repository and ref it asks to pull. */
  pull: { url: string; ref: string | null } | null;
  trailers: Record<string, string[]>;
  /** With a configuration, of a complete routed series: why trust.senders holds it, or null.
   * Authenticity (DKIM, signatures) is not verified by scan. */
  held?: string | null;
}

export interface ScanDocument {
  mails: ScannedMail[];
  series: ScannedSeries[];
}

/** What `scan --config` judges as sync would, beside the routes: the sender policy that holds a
 * series (trust.senders), and the size above which a mail is quarantined unread (limits.mailBytes).
 * Not the per-sender hourly rate: that depends on the database. */
export interface ScanRules {
  readonly policyOf: (project: string) => SenderPolicy;
  readonly limits: Pick<Limits, 'mailBytes'>;
  /** Addresses `series.sameSender` makes one person's: versions link across them, as in sync. */
  readonly links?: SenderLinks;
}

/** Reads mailboxes and describes every mail and series in them; nothing is recorded or applied. */
export async function scan(
  paths: readonly string[],
  table: RoutingTable | null,
  open: (path: string) => MailSource,
): Promise<ScanDocument> {
  const mails: ScannedMail[] = [];
  const series = await scanStreaming(paths, table, open, (m) => mails.push(m));
  return { mails, series };
}

/** scan, handing each mail's description to `emit` as soon as it is read, and returning the
 * series once every mail is read. Mails are parsed one at a time; of each, only what assembly
 * needs is kept (no raw bytes, no body, no recipients), so archives of any size fit. */
export async function scanStreaming(
  paths: readonly string[],
  table: RoutingTable | null,
  open: (path: string) => MailSource,
  emit: (mail: ScannedMail) => void,
  rules?: ScanRules,
): Promise<ScannedSeries[]> {
  const kept: SeriesMail[] = [];
  const strings = new KeptStrings();
  // The route of each mail that may head a series, for the series' own route.
  const routes = new Map<string, Pick<ScannedMail, 'repo' | 'branch' | 'routedBy' | 'routeError'>>();
  // Every path opened first: one that holds no mail is refused before anything is described.
  const sources = paths.map((path) => ({ path, source: open(path) }));
  for (const { path, source } of sources) {
    let index = 0;
    // Each mail is parsed and dropped before the next is read: the source may lend its bytes.
    const messages = source.read(null, { lent: true })[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<RawMessage>;
      try {
        next = await messages.next();
      } catch (err) {
        // The mails read so far stand; the file is read no further, the next one is.
        emit(unreadableRest(path, index, err));
        break;
      }
      if (next.done) break;
      const message = next.value;
      const row = { file: path, index: index++ };
      let described: ScannedMail;
      // As import does (admission.ts): a mail over limits.mailBytes is quarantined unread.
      const tooBig = rules ? mailSizeRefusal(rules.limits, message.raw) : null;
      if (tooBig !== null) {
        const { messageId, subject, sender } = identifyMail(message.raw);
        emit({ ...quarantined(row, tooBig), messageId, subject, from: sender });
        continue;
      }
      try {
        const mail = await parseMail(message.raw);
        const target = routed(mail) ? targetOf(mail, table, strings) : unrouted;
        described = {
          ...row,
          messageId: mail.messageId,
          kind: mail.kind,
          subject: mail.subject,
          from: formatAddress(mail.from),
          date: mail.date?.toISOString() ?? null,
          inReplyTo: mail.inReplyTo,
          ...target,
          version: mail.tag.version,
          part: mail.tag.part,
          total: mail.tag.total,
          prefixes: prefixesOf(mail.tag, target),
          pullUrl: mail.pull?.url ?? null,
          pullRef: mail.pull?.ref ?? null,
          error: null,
        };
        // Sync routes a series by its head (a patch, a cover letter, or an untagged mail that
        // starts the thread): its route is kept whatever the mail's own line shows.
        if (mail.kind === 'patch' || mail.kind === 'cover' || mail.kind === 'other')
          routes.set(strings.string(mail.messageId), target);
        kept.push(keptForAssembly(mail, strings));
      } catch (err) {
        described = quarantined(row, errorMessage(err));
      }
      emit(described);
    }
  }
  return assembleSeries(kept, rules?.links ? { links: rules.links } : {}).map((s): ScannedSeries => {
    // The mail that routes the series also gives its prefixes: a naked cover letter has none.
    const routing = routingHead(s);
    const head = routes.get(routing?.messageId ?? s.id);
    return {
      id: s.id,
      repo: head?.repo ?? null,
      branch: head?.branch ?? null,
      prefixes: prefixesOf(routing?.tag ?? null, head ?? unrouted),
      ...(table ? { routedBy: head?.routedBy ?? null, routeError: head?.routeError ?? null } : {}),
      version: s.version,
      total: s.total,
      complete: s.complete,
      cover: s.cover?.messageId ?? null,
      patches: orderedPatches(s).map((p) => p.messageId),
      extras: s.extras.map((e) => e.messageId),
      replaced: s.replaced.map((e) => e.messageId),
      replies: s.replies.map((r) => r.messageId),
      supersedes: s.supersedes,
      refused: s.refused.map((r) => ({ ...r })),
      pull: s.pull && { ...s.pull },
      trailers: Object.fromEntries(
        [...s.trailers].map(([id, list]) => [id, list.map((t) => `${t.key}: ${t.value}`)]),
      ),
      ...(rules ? { held: s.complete && head?.repo ? sendersHold(s, rules.policyOf(head.repo)) : null } : {}),
    };
  });
}

/** The entry that ends a file read no further after `read` mails: `error` says why. */
function unreadableRest(file: string, read: number, err: unknown): ScannedMail {
  return {
    ...quarantined({ file, index: read }, `${errorMessage(err)} (after ${read} mail(s))`),
    unreadable: true,
  };
}

/** Why the project's trust.senders holds a series (intake's rule, trust/hold.ts), authenticity aside. */
function sendersHold(s: Series, policy: SenderPolicy): string | null {
  const members = [...(s.cover ? [s.cover] : []), ...orderedPatches(s)].map((m, i) => ({
    messageId: m.messageId,
    from: m.from.address,
    label: s.cover && i === 0 ? 'cover letter' : `patch ${s.cover ? i : i + 1}/${s.total}`,
    authenticity: null,
  }));
  return holdReason(members, { ...policy, authenticity: 'ignore' });
}

/** A mail whose own line shows its route: what sync routes when it heads a series (a patch, a
 * cover letter), and any mail whose subject looks like a patch's. */
function routed(mail: Mail): boolean {
  return mail.kind === 'patch' || mail.kind === 'cover' || mail.tag.patchLike;
}

/** With a table, routing's own answer (series/route.ts, as sync asks it), its reasons shared. */
function targetOf(mail: Mail, table: RoutingTable | null, strings: KeptStrings) {
  if (!table) return claimedTarget(mail.tag);
  const route = routeTag(mail.tag, mail.subject, table, mail);
  return route.ok
    ? { repo: route.repo, branch: route.branch, routeError: null, routedBy: route.via }
    : { repo: null, branch: null, routeError: strings.string(route.reason), routedBy: null };
}

/** A tag's keywords, then the words of its group the route did not take (a branch hint that
 * names no configured branch, a repository word a list's route left): they stay prefixes. */
function prefixesOf(tag: SubjectTag | null, route: { repo: string | null; branch: string | null }): string[] {
  return tag === null ? [] : [...tag.prefixes, ...unroutedWords(tag, route.repo, route.branch)];
}

/** The route of a mail whose line shows none (a reply). */
const unrouted = { repo: null, branch: null, routeError: null, routedBy: null };

/** A mail that was not read: why, and what is known of it. */
function quarantined(row: { file: string; index: number }, error: string): ScannedMail {
  return {
    ...row,
    messageId: null,
    kind: null,
    subject: null,
    from: null,
    date: null,
    inReplyTo: null,
    repo: null,
    branch: null,
    version: null,
    part: null,
    total: null,
    prefixes: [],
    pullUrl: null,
    pullRef: null,
    error,
  };
}
