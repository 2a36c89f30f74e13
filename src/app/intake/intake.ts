import type { Mail } from '../../mail/mail.ts';
import { MailParseError, parseMail } from '../../mail/parse.ts';
import { assembleSeries } from '../../series/assemble.ts';
import { KeptStrings, keptForAssembly } from '../../series/kept.ts';
import { fingerprintOf } from '../../series/parts.ts';
import { routeTag } from '../../series/route.ts';
import { orderedPatches, routingHead, type Series, type SeriesMail } from '../../series/series.ts';
import type { MailFacts, MailRecord, OpenMailHead, Store } from '../../ports/store.ts';
import { errorMessage } from '../../shared/errors.ts';
import { unitKey } from '../../work/units.ts';
import type { Deps } from '../deps.ts';
import { whyNotAnswer } from '../report/answer.ts';
import { queueIncomplete } from '../report/notices.ts';
import { answerRejection } from '../report/rejection.ts';
import { finalMails } from '../series/final-mails.ts';
import { planOf } from '../series/plan.ts';
import { routingTable } from '../series/routing.ts';
import { rerollContext, withCarriedTrailers, withEarlierVersion } from '../series/versions.ts';
import { senderLinks } from '../../series/sender.ts';
import { ingest, settle } from './ingest.ts';
import { heldButOnBranch, type Already } from './held-on-branch.ts';
import { pendingCounts, seriesOverLimit, type PendingCounts } from './limits.ts';
import { recheckTemporary } from './recheck.ts';
import { workingSet } from './working-set.ts';
import { authenticityNotes } from '../../trust/hold.ts';
import {
  holdSeries,
  holdVerdict,
  memberFacts,
  senderPolicy,
  withTrustedTrailers,
  type Held,
} from './trust.ts';

export interface IntakeSummary {
  readonly newMails: number;
  /** Mails not read: unparseable, malformed, or over a limit (config `limits`), each with why. */
  readonly quarantined: readonly { messageId: string; reason: string }[];
  /** Second, different mails under a Message-ID already recorded: the first stays; both hashes
   * (SHA-256 of the content) are recorded. */
  readonly duplicates: readonly { messageId: string; first: string; other: string }[];
  /** `silent`: why the sender was not answered (backscatter rules, rate limit, a source that only
   * logs), null when answered. */
  readonly rejected: readonly { messageId: string; subject: string; reason: string; silent: string | null }[];
  readonly incomplete: readonly { series: string; have: number; total: number }[];
  /** Series still incomplete after the grace period: reported, never applied. */
  readonly expired: readonly { series: string; have: number; total: number }[];
  readonly ignored: number;
  /** Series whose patches were already applied from an earlier sending: not applied again. */
  readonly resends: readonly { series: string; of: string }[];
  /** Versions not applied because a newer complete version came in the same batch. */
  readonly superseded: readonly string[];
  /** Links to another person's series a Supersedes:, change-id or reply chain asked for: not
   * made, that series left as it was. */
  readonly refused: readonly { series: string; other: string; via: string; sender: string }[];
  /** Complete series queued to be applied or proposed (a unit of work each). */
  readonly queued: readonly string[];
  /** Direct mode: series a maintainer's rules would hold found on their branch already (released
   * and applied where another database lives): applied before, not held. */
  readonly already: readonly Already[];
  /** Complete series held for a maintainer (trust.senders, authenticity): recorded, not applied. */
  readonly held: readonly Held[];
  /** Ctrl-C or SIGTERM stopped the reading (IntakeOptions.signal): the mails read are recorded,
   * nothing was looked at; the next run sorts them and reads on. Absent when it did not. */
  readonly interrupted?: true;
}

type IntakeDeps = Pick<
  Deps,
  'config' | 'log' | 'store' | 'sources' | 'clock' | 'rejections' | 'authenticator' | 'repository' | 'forge'
>;

export interface IntakeOptions {
  /** Backfill: IMAP folders deliver mail from this day on again, whatever their position. */
  readonly since?: Date;
  /** Mail of the past (`import`): not held to limits.mailsPerSenderPerHour, and never answered
   * where it is older than its source's start. */
  readonly history?: boolean;
  /** Stops the reading once the batch being recorded is committed (ingest); then nothing is
   * sorted: the next run does it. */
  readonly signal?: AbortSignal;
}

/**
 * Reads every source and records new mail; then looks at every mail still open: parses it,
 * assembles series, routes each by its tags, rejects what names nothing known, gives up on series
 * incomplete past the grace period, and queues each complete series as a unit of work (applied or
 * proposed by the worker). Marks final mails in the mailboxes that can hold a mark.
 */
export async function intake(deps: IntakeDeps, options: IntakeOptions = {}): Promise<IntakeSummary> {
  const { store } = deps;
  const taken = await ingest(deps, {
    ...(options.since ? { since: options.since, history: true } : {}),
    ...(options.history ? { history: true } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const quarantined: { messageId: string; reason: string }[] = [...taken.refused];
  // A run stopped while reading says what it recorded, nothing sorted.
  if (taken.interrupted)
    return {
      ...nothingTaken(),
      newMails: taken.recorded,
      quarantined,
      duplicates: taken.duplicates,
      interrupted: true,
    };
  // The open mails this run must look at are read from the store once, a page at a time, and of
  // each only what assembly needs is kept (series/kept.ts) with its record's facts, not its bytes:
  // a long archive imported at once is assembled in a few hundred bytes per mail. The whole mails
  // of each series are read again where its content matters (wholeSeries). Waiting parts nothing
  // new touches stay unread (working-set.ts).
  const mails: SeriesMail[] = [];
  const records = new Map<string, MailFacts>();
  const strings = new KeptStrings();
  const graceMs = deps.config.series.graceHours * 3600 * 1000;
  const { chosen, pending } = openWork(store, deps.clock.now() - graceMs);
  for (const page of recordPages(store, chosen)) {
    for (const { raw, ...facts } of page) {
      records.set(facts.messageId, keptFacts(facts, strings));
      try {
        mails.push(keptForAssembly(await parseMail(raw), strings));
      } catch (err) {
        const reason = err instanceof MailParseError ? err.message : errorMessage(err);
        store.mails.setState(facts.messageId, { state: 'quarantined', outcome: 'unparseable', reason });
        quarantined.push({ messageId: facts.messageId, reason });
      }
    }
  }

  const context = await rerollContext(store, mails, records);
  const table = routingTable(deps.config);
  const onBranch = heldButOnBranch(deps);
  const summary = {
    rejected: [] as { messageId: string; subject: string; reason: string; silent: string | null }[],
    incomplete: [] as { series: string; have: number; total: number }[],
    expired: [] as { series: string; have: number; total: number }[],
    resends: [] as { series: string; of: string }[],
    superseded: [] as string[],
    refused: [] as { series: string; other: string; via: string; sender: string }[],
    queued: [] as string[],
    held: [] as Held[],
    already: [] as Already[],
  };
  const inSeries = new Set<string>();
  const contextIds = new Set(context.map((m) => m.messageId));
  // Series made only of earlier runs' mails were dealt with then.
  const links = senderLinks(deps.config.series.sameSender);
  const assembled = assembleSeries([...context, ...mails], { links }).filter(
    (s) => ![s.cover, ...s.patches.values()].every((m) => m === null || contextIds.has(m.messageId)),
  );
  // A version replaced by a complete newer one in the same batch is not applied on its own.
  const outdated = new Set(assembled.filter((s) => s.complete && s.supersedes).map((s) => s.supersedes));
  for (const kept of assembled) {
    const { series, byId } = await wholeSeries(store, kept);
    const members = membersOf(series);
    members.forEach((m) => inSeries.add(m.messageId));
    if (series.complete && outdated.has(series.id)) {
      finalMails(store, members, 'superseded');
      summary.superseded.push(series.id);
      continue;
    }
    const head = series.cover ?? orderedPatches(series)[0] ?? members[0];
    if (!head) continue;
    // head: the mail a rejection or a hold answers; routing: the one whose tag routes the series.
    const routing = routingHead(series) ?? head;
    const tooBig = seriesOverLimit(deps.config.limits, series);
    const route =
      tooBig === null
        ? routeTag(routing.tag, routing.subject, table, byId.get(routing.messageId))
        : { ok: false as const, reason: tooBig };
    if (!route.ok) {
      finalMails(store, members, 'rejected', route.reason);
      const { why } = answerRejection(deps, head, route.reason, tooBig === null ? 'not-routed' : 'too-large');
      deps.log.info({ messageId: head.messageId, reason: route.reason, silent: why }, 'mail rejected');
      summary.rejected.push({
        messageId: head.messageId,
        subject: head.subject,
        reason: route.reason,
        silent: why,
      });
      continue;
    }
    let linked = await withEarlierVersion(store, series, members, links);
    if (linked.supersedes && !series.supersedes) linked = await withCarriedTrailers(store, linked, links);
    for (const refused of linked.refused) {
      deps.log.info({ series: linked.id, other: refused.series, via: refused.via }, 'version link refused');
      summary.refused.push({
        series: linked.id,
        other: refused.series,
        via: refused.via,
        sender: refused.sender,
      });
    }
    saveSeries(store, linked, route.repo, route.branch);
    if (!series.complete) {
      if (expired(deps, records, members)) {
        const reason = `parts missing after ${deps.config.series.graceHours} hours`;
        finalMails(store, members, 'incomplete', reason);
        if (whyNotAnswer(deps, head.messageId) === null)
          queueIncomplete(store.work, series, head, deps.config);
        deps.log.info({ series: series.id }, 'series incomplete after grace period');
        summary.expired.push({ series: series.id, have: series.patches.size, total: series.total });
        continue;
      }
      const over = pending.admit(
        deps.config.limits,
        series.sender.address,
        members.filter((m) => records.get(m.messageId)?.state === 'new').length,
      );
      if (over !== null) {
        quarantineAll(
          store,
          members.filter((m) => records.get(m.messageId)?.state === 'new'),
          over,
          quarantined,
        );
        deps.log.warn({ series: series.id, sender: series.sender.address, reason: over }, 'parts refused');
        continue;
      }
      for (const m of members)
        store.mails.setState(m.messageId, {
          state: 'pending',
          outcome: 'waiting for the rest of the series',
          kind: m.kind,
        });
      summary.incomplete.push({ series: series.id, have: series.patches.size, total: series.total });
      continue;
    }
    const twin = linked.fingerprint
      ? store.series.appliedTwin(linked.fingerprint, route.repo, route.branch, linked.id)
      : null;
    // A higher version with the same diffs rewords the messages: a new version, not a resend.
    if (twin && linked.version <= (store.series.get(twin)?.version ?? 0)) {
      // The same patches again under new Message-IDs: already applied, nothing to do.
      finalMails(store, members, 'identical resend', `same changes as ${twin}`);
      store.series.setState(linked.id, 'superseded');
      summary.resends.push({ series: linked.id, of: twin });
      continue;
    }
    // A verdict DNS left open is verified again when due (under require), before the rules look.
    await recheckTemporary(deps, members, records, senderPolicy(deps.config, route.repo));
    const holding = holdVerdict(deps, linked, route, members, records);
    if (holding !== null) {
      const already = await onBranch(linked, route, members, records);
      if (already) summary.already.push(already);
      else summary.held.push(holdSeries(deps, linked, route, head, members, records, holding));
      continue;
    }
    const policy = senderPolicy(deps.config, route.repo);
    const trusted = withTrustedTrailers(linked, policy, records);
    const notes = authenticityNotes(memberFacts(linked, records), policy);
    const plan = { ...planOf(trusted, route, members, byId), authenticity: notes };
    store.work.enqueue({ kind: 'series', key: unitKey.series(linked.id), payload: plan });
    summary.queued.push(linked.id);
  }

  let ignored = 0;
  for (const mail of mails) {
    if (inSeries.has(mail.messageId)) continue;
    ignored++;
    const outcome =
      mail.kind === 'reply'
        ? 'reply'
        : mail.kind === 'pull'
          ? 'pull request (direct mode applies patches only)'
          : 'not a patch';
    store.mails.setState(mail.messageId, { state: 'final', outcome, kind: mail.kind });
  }
  // Series still waiting that this run did not look at: unchanged, listed as before.
  const looked = new Set(summary.incomplete.map((i) => i.series));
  for (const w of store.series.waiting())
    if (!looked.has(w.id)) summary.incomplete.push({ series: w.id, have: w.have, total: w.total });
  await settle(deps);
  return { newMails: taken.recorded, quarantined, duplicates: taken.duplicates, ignored, ...summary };
}

/** What intake says when it sorted nothing: no mail, no series (a run stopped while reading adds
 * what it recorded). */
export function nothingTaken(): IntakeSummary {
  return {
    newMails: 0,
    quarantined: [],
    duplicates: [],
    rejected: [],
    incomplete: [],
    expired: [],
    ignored: 0,
    resends: [],
    superseded: [],
    refused: [],
    queued: [],
    held: [],
    already: [],
  };
}

const PAGE = 100;

/** Which open mails this run reads (their Message-IDs in recording order: working-set.ts), and
 * the parts of incomplete series waiting already (limits). The open mails' heads, with every
 * Message-ID each answers, are let go here: an archive imported at once has them all open. */
function openWork(store: Store, cutoff: number): { chosen: string[]; pending: PendingCounts } {
  const heads: readonly OpenMailHead[] = store.mails.openHeads();
  const working = workingSet(heads, cutoff);
  return {
    chosen: heads.filter((h) => working.has(h.messageId)).map((h) => h.messageId),
    pending: pendingCounts(heads),
  };
}

/** Bytes of mail a page holds about: mails with large attachments are read a few at a time. */
const PAGE_BYTES = 4 << 20;

/** The records of the chosen open mails in recording order, by Message-ID in pages of at most
 * PAGE, as many as the mails read so far say fit in PAGE_BYTES (the first page is one mail): ten
 * mails with a 5 MB image each were read at once, 70 MB. */
function* recordPages(store: Store, ids: readonly string[]): Generator<MailRecord[]> {
  let size = 1;
  let bytes = 0;
  for (let i = 0; i < ids.length;) {
    const page = store.mails.many(ids.slice(i, i + size));
    i += size;
    for (const r of page) bytes += r.raw.length;
    yield page;
    size = Math.max(1, Math.min(PAGE, Math.floor((PAGE_BYTES * i) / Math.max(1, bytes))));
  }
}

/** A record's facts kept for the whole run, their strings shared with the kept mails (the
 * Message-ID, sender and subject) and with each other (the source's name, a batch's time). */
function keptFacts(facts: MailFacts, strings: KeptStrings): MailFacts {
  return {
    ...facts,
    messageId: strings.string(facts.messageId),
    source: strings.string(facts.source),
    sender: strings.string(facts.sender),
    subject: strings.string(facts.subject),
    receivedAt: strings.string(facts.receivedAt),
  };
}

/**
 * The series with its cover letter and parts (extras and replaced parts too) as whole mails, read
 * again from the store and parsed: assembly kept only their headers, and the diffs (fingerprint,
 * limits.diffBytes), the texts (base commit, summary) and the addressing (routing by list) are
 * needed from here on. Replies stay as kept: their trailers are collected already. `byId` holds the
 * whole mails. A mail that cannot be read again stays as kept.
 */
async function wholeSeries(
  store: Store,
  kept: Series,
): Promise<{ series: Series; byId: ReadonlyMap<string, Mail> }> {
  const ids = [kept.cover, ...kept.patches.values(), ...kept.extras, ...kept.replaced]
    .filter((m) => m !== null)
    .map((m) => m.messageId);
  const byId = new Map<string, Mail>();
  for (const record of store.mails.many([...new Set(ids)])) {
    try {
      byId.set(record.messageId, await parseMail(record.raw));
    } catch {
      // Quarantined when first read; the kept headers stand.
    }
  }
  const whole = <M extends SeriesMail>(m: M): M | Mail => byId.get(m.messageId) ?? m;
  const patches = new Map([...kept.patches].map(([part, m]) => [part, whole(m)]));
  return {
    series: {
      ...kept,
      cover: kept.cover && whole(kept.cover),
      patches,
      extras: kept.extras.map(whole),
      replaced: kept.replaced.map(whole),
      fingerprint: fingerprintOf(patches, kept.total),
    },
    byId,
  };
}

function quarantineAll(
  store: Store,
  mails: readonly { messageId: string; kind: string }[],
  reason: string,
  into: { messageId: string; reason: string }[],
): void {
  store.atomically(() => {
    for (const m of mails) {
      store.mails.setState(m.messageId, {
        state: 'quarantined',
        outcome: 'over a limit',
        reason,
        kind: m.kind,
      });
      into.push({ messageId: m.messageId, reason });
    }
  });
}

/** Every mail of a series: cover, patches, extras and replaced parts. */
function membersOf(series: Series): SeriesMail[] {
  const all = [series.cover, ...series.patches.values(), ...series.extras, ...series.replaced];
  // An extra part numbered past the total is both a patch and an extra: listed once.
  return [...new Set(all)].filter((m): m is SeriesMail => m !== null);
}

/** Whether patchferry first saw this incomplete series longer ago than the grace period. The time
 * of recording counts, not the senders' Date headers: clocks are wrong, and imported history is old. */
function expired(
  deps: Pick<Deps, 'config' | 'clock'>,
  records: ReadonlyMap<string, MailFacts>,
  members: readonly SeriesMail[],
): boolean {
  const seen = members
    .map((m) => records.get(m.messageId)?.receivedAt)
    .filter((t): t is string => t !== undefined)
    .map((t) => Date.parse(t));
  if (seen.length === 0) return false;
  return deps.clock.now() - Math.min(...seen) > deps.config.series.graceHours * 3600 * 1000;
}

function saveSeries(store: Store, series: Series, project: string, branch: string): void {
  const previous = store.series.get(series.id);
  store.series.save({
    id: series.id,
    project,
    branch,
    version: series.version,
    total: series.total,
    title: series.title,
    sender: series.sender.address,
    state:
      previous && previous.state !== 'incomplete'
        ? previous.state
        : series.complete
          ? 'complete'
          : 'incomplete',
    supersedes: series.supersedes,
    changeId: series.changeId,
    fingerprint: series.fingerprint,
    patches: new Map([...series.patches].map(([part, m]) => [part, m.messageId])),
  });
}
