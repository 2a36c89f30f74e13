import type { Mail } from '../mail/mail.ts';
import { MailParseError, parseMail } from '../mail/parse.ts';
import { assembleSeries } from '../series/assemble.ts';
import { orderedPatches, type Series, type SeriesMail } from '../series/series.ts';
import { routeTag } from '../series/route.ts';
import { errorMessage } from '../shared/errors.ts';
import type { Context } from './context.ts';
import { ingest, settle } from './ingest.ts';
import { sourceForPath } from '../ingest/open-path.ts';
import { queueIncomplete, queueRejection } from './report.ts';
import { applyDirect, type SeriesJob } from './apply.ts';
import { applyFollowUp } from './follow-up.ts';
import { detectMerges, proposeSeries, type Proposal } from './propose.ts';
import { routingTable } from './routing.ts';
import { rerollContext, withEarlierVersion } from './versions.ts';
import type { MailRecord } from '../store/mail-records.ts';

export interface SyncSummary {
  readonly newMails: number;
  readonly quarantined: readonly { messageId: string; reason: string }[];
  readonly applied: readonly { series: string; project: string; branch: string; head: string }[];
  readonly failed: readonly {
    series: string;
    project: string;
    branch: string;
    part: number;
    reason: string;
  }[];
  readonly rejected: readonly { messageId: string; subject: string; reason: string }[];
  readonly incomplete: readonly { series: string; have: number; total: number }[];
  /** Series still incomplete after the grace period: reported, never applied. */
  readonly expired: readonly { series: string; have: number; total: number }[];
  readonly ignored: number;
  /** Series whose patches were already applied from an earlier sending: not applied again. */
  readonly resends: readonly { series: string; of: string }[];
  /** Versions not applied because a newer complete version came in the same batch. */
  readonly superseded: readonly string[];
  /** Merge-request mode: series opened or updated as merge requests. */
  readonly proposed: readonly Proposal[];
  /** Merge-request mode: merge requests found merged (their target branches are built next). */
  readonly merged: readonly { series: string; url: string; commit: string }[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer E)[] ? E[] : T[K] };
type Outcomes = Mutable<
  Pick<
    SyncSummary,
    'applied' | 'failed' | 'rejected' | 'incomplete' | 'expired' | 'proposed' | 'superseded' | 'resends'
  >
>;

/** `patchferry import`: files and archives go through the same path as live mail, each mail
 * recorded once by Message-ID whichever way it came. */
export function importFiles(ctx: Context, paths: readonly string[]): Promise<SyncSummary> {
  return sync({ ...ctx, sources: paths.map(sourceForPath) });
}

export interface SyncOptions {
  /** The time grace periods are measured against. */
  readonly now?: Date;
  /** Backfill: IMAP folders deliver mail from this day on again, whatever their position. */
  readonly since?: Date;
}

/** Reads every source, records new mail, and applies each complete series (direct mode). */
export async function sync(ctx: Context, options: SyncOptions = {}): Promise<SyncSummary> {
  const now = options.now ?? new Date();
  const newMails = await ingest(ctx, options.since ? { since: options.since } : {});
  const merged = ctx.forge ? await detectMerges(ctx, ctx.forge) : [];
  const quarantined: { messageId: string; reason: string }[] = [];
  const mails: Mail[] = [];
  // Every open mail is read from the store once; assembly, expiry and git am all use these records.
  const records = new Map(ctx.store.mails.open().map((r) => [r.messageId, r]));
  for (const record of records.values()) {
    try {
      mails.push(await parseMail(record.raw));
    } catch (err) {
      const reason = err instanceof MailParseError ? err.message : errorMessage(err);
      ctx.store.mails.setState(record.messageId, 'quarantined', 'unparseable', reason);
      quarantined.push({ messageId: record.messageId, reason });
    }
  }

  const context = await rerollContext(ctx, mails, records);
  const byId = new Map([...mails, ...context].map((m) => [m.messageId, m]));
  const table = routingTable(ctx.config);
  const summary: Outcomes = {
    applied: [],
    failed: [],
    rejected: [],
    incomplete: [],
    expired: [],
    proposed: [],
    superseded: [],
    resends: [],
  };
  const inSeries = new Set<string>();
  const contextIds = new Set(context.map((m) => m.messageId));
  // Series made only of earlier runs' mails were dealt with then.
  const assembled = assembleSeries([...context, ...mails]).filter(
    (s) => ![s.cover, ...s.patches.values()].every((m) => m === null || contextIds.has(m.messageId)),
  );
  // A version replaced by a complete newer one in the same batch is not applied on its own.
  const outdated = new Set(assembled.filter((s) => s.complete && s.supersedes).map((s) => s.supersedes));
  for (const series of assembled) {
    const members = [series.cover, ...series.patches.values(), ...series.extras, ...series.replaced].filter(
      (m): m is SeriesMail => m !== null,
    );
    members.forEach((m) => inSeries.add(m.messageId));
    if (series.complete && outdated.has(series.id)) {
      for (const m of members) ctx.store.mails.setState(m.messageId, 'final', 'superseded', null, m.kind);
      summary.superseded.push(series.id);
      continue;
    }
    const head = series.cover ?? orderedPatches(series)[0] ?? members[0];
    if (!head) continue;
    const route = routeTag(head.tag, head.subject, table);
    if (!route.ok) {
      reject(ctx, head, members, route.reason);
      summary.rejected.push({ messageId: head.messageId, subject: head.subject, reason: route.reason });
      continue;
    }
    const linked = withEarlierVersion(ctx, series, members);
    saveSeries(ctx, linked, route.repo, route.branch);
    if (!series.complete) {
      if (expired(ctx, records, members, now)) {
        giveUp(ctx, series, head, members);
        summary.expired.push({ series: series.id, have: series.patches.size, total: series.total });
        continue;
      }
      for (const m of members)
        ctx.store.mails.setState(m.messageId, 'pending', 'waiting for the rest of the series', null, m.kind);
      summary.incomplete.push({ series: series.id, have: series.patches.size, total: series.total });
      continue;
    }
    const twin = linked.fingerprint
      ? ctx.store.series.appliedTwin(linked.fingerprint, route.repo, route.branch, linked.id)
      : null;
    const resend = (of: string) => {
      // The same patches again under new Message-IDs: already applied, nothing to do.
      for (const m of members)
        ctx.store.mails.setState(m.messageId, 'final', 'identical resend', `same changes as ${of}`, m.kind);
      ctx.store.series.setState(linked.id, 'superseded');
      summary.resends.push({ series: linked.id, of });
    };
    // A higher version with the same diffs rewords the messages: a new version, not a resend.
    if (twin && linked.version <= (ctx.store.series.get(twin)?.version ?? 0)) {
      resend(twin);
      continue;
    }
    const job: SeriesJob = {
      series: linked,
      project: route.repo,
      branch: route.branch,
      members,
      records,
      mails: byId,
    };
    const earlier = linked.supersedes ? ctx.store.series.get(linked.supersedes) : undefined;
    if (ctx.forge) await proposeSeries(ctx, ctx.forge, job, summary);
    else if (
      earlier?.state === 'applied' &&
      earlier.project === route.repo &&
      earlier.branch === route.branch
    ) {
      if ((await applyFollowUp(ctx, job, earlier, summary)) === 'unchanged') resend(earlier.id);
    } else await applyDirect(ctx, job, summary);
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
    ctx.store.mails.setState(mail.messageId, 'final', outcome, null, mail.kind);
  }
  await settle(ctx);
  return { newMails, quarantined, ignored, merged, ...summary };
}

function reject(ctx: Context, head: SeriesMail, members: readonly SeriesMail[], reason: string): void {
  for (const m of members) ctx.store.mails.setState(m.messageId, 'final', 'rejected', reason, m.kind);
  queueRejection(ctx, head, reason);
  ctx.log.info({ messageId: head.messageId, reason }, 'mail rejected');
}

/** Whether patchferry first saw this incomplete series longer ago than the grace period. The time
 * of recording counts, not the senders' Date headers: clocks are wrong, and imported history is old. */
function expired(
  ctx: Context,
  records: ReadonlyMap<string, MailRecord>,
  members: readonly SeriesMail[],
  now: Date,
): boolean {
  const seen = members
    .map((m) => records.get(m.messageId)?.receivedAt)
    .filter((t): t is string => t !== undefined)
    .map((t) => Date.parse(t));
  if (seen.length === 0) return false;
  return now.getTime() - Math.min(...seen) > ctx.config.series.graceHours * 3600 * 1000;
}

function giveUp(ctx: Context, series: Series, head: SeriesMail, members: readonly SeriesMail[]): void {
  const reason = `parts missing after ${ctx.config.series.graceHours} hours`;
  for (const m of members) ctx.store.mails.setState(m.messageId, 'final', 'incomplete', reason, m.kind);
  queueIncomplete(ctx, series, head);
  ctx.log.info({ series: series.id }, 'series incomplete after grace period');
}

function saveSeries(ctx: Context, series: Series, project: string, branch: string): void {
  const previous = ctx.store.series.get(series.id);
  ctx.store.series.save({
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
