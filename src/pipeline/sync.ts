import type { Config } from '../config/schema.ts';
import type { Mail } from '../mail/mail.ts';
import { MailParseError, parseMail } from '../mail/parse.ts';
import { assembleSeries } from '../series/assemble.ts';
import { orderedPatches, type Series, type SeriesMail } from '../series/series.ts';
import { routeTag, type RoutingTable } from '../series/route.ts';
import { renderIncomplete, renderRejection } from '../report/render.ts';
import { errorMessage } from '../shared/errors.ts';
import type { Context } from './context.ts';
import { queueFailureReport } from './report.ts';

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
}

/** Reads every source, records new mail, and applies each complete series (direct mode). */
export async function sync(ctx: Context, now: Date = new Date()): Promise<SyncSummary> {
  const quarantined: { messageId: string; reason: string }[] = [];
  const newMails = await ingest(ctx, quarantined);
  const mails: Mail[] = [];
  for (const record of ctx.store.mails.open()) {
    try {
      mails.push(await parseMail(record.raw));
    } catch (err) {
      const reason = err instanceof MailParseError ? err.message : errorMessage(err);
      ctx.store.mails.setState(record.messageId, 'quarantined', 'unparseable', reason);
      quarantined.push({ messageId: record.messageId, reason });
    }
  }

  const table = routingTable(ctx.config);
  const summary = { applied: [], failed: [], rejected: [], incomplete: [], expired: [] } as {
    expired: { series: string; have: number; total: number }[];
    applied: { series: string; project: string; branch: string; head: string }[];
    failed: { series: string; project: string; branch: string; part: number; reason: string }[];
    rejected: { messageId: string; subject: string; reason: string }[];
    incomplete: { series: string; have: number; total: number }[];
  };
  const inSeries = new Set<string>();
  for (const series of assembleSeries(mails)) {
    const members = [series.cover, ...series.patches.values(), ...series.extras].filter(
      (m): m is SeriesMail => m !== null,
    );
    members.forEach((m) => inSeries.add(m.messageId));
    const head = series.cover ?? orderedPatches(series)[0] ?? members[0];
    if (!head) continue;
    const route = routeTag(head.tag, head.subject, table);
    if (!route.ok) {
      reject(ctx, head, members, route.reason);
      summary.rejected.push({ messageId: head.messageId, subject: head.subject, reason: route.reason });
      continue;
    }
    saveSeries(ctx, series, route.repo, route.branch);
    if (!series.complete) {
      if (expired(ctx, members, now)) {
        giveUp(ctx, series, head, members);
        summary.expired.push({ series: series.id, have: series.patches.size, total: series.total });
        continue;
      }
      for (const m of members)
        ctx.store.mails.setState(m.messageId, 'pending', 'waiting for the rest of the series', null, m.kind);
      summary.incomplete.push({ series: series.id, have: series.patches.size, total: series.total });
      continue;
    }
    await applySeries(ctx, series, route.repo, route.branch, members, summary);
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
  return { newMails, quarantined, ignored, ...summary };
}

async function ingest(ctx: Context, quarantined: { messageId: string; reason: string }[]): Promise<number> {
  let count = 0;
  for (const source of ctx.sources) {
    const log = ctx.log.child({ source: source.name });
    const position = ctx.store.positions.get(source.name);
    for await (const message of source.read(position)) {
      let messageId: string;
      let subject = '';
      let sender = '';
      let parseError: string | null = null;
      try {
        const mail = await parseMail(message.raw);
        ({ messageId, subject } = mail);
        sender = mail.from.address;
      } catch (err) {
        messageId = `unparseable-${source.name}-${message.position}@patchferry.invalid`;
        parseError = errorMessage(err);
      }
      // The record is committed before the position moves: a crash in between re-reads the mail,
      // and the Message-ID makes that second sight harmless.
      if (
        ctx.store.mails.record({
          messageId,
          raw: message.raw,
          source: source.name,
          position: message.position,
          subject,
          sender,
        })
      ) {
        count++;
        if (parseError) {
          ctx.store.mails.setState(messageId, 'quarantined', 'unparseable', parseError);
          quarantined.push({ messageId, reason: parseError });
        }
      }
      ctx.store.positions.set(source.name, message.position);
    }
    log.info({ count }, 'source read');
  }
  return count;
}

/** The routing table of a configuration: its projects and the subject pattern, compiled once. */
export function routingTable(config: Config): RoutingTable {
  const pattern = config.subjects.pattern;
  return { projects: config.projects, ...(pattern ? { pattern: new RegExp(pattern) } : {}) };
}

function reject(ctx: Context, head: SeriesMail, members: readonly SeriesMail[], reason: string): void {
  for (const m of members) ctx.store.mails.setState(m.messageId, 'final', 'rejected', reason, m.kind);
  const message = renderRejection({
    subject: head.subject,
    sender: head.from,
    messageId: head.messageId,
    references: head.references,
    reason,
  });
  ctx.store.reports.queue({
    key: `mail:${head.messageId}:rejected`,
    kind: 'rejection',
    seriesId: null,
    recipients: [...message.to],
    ...message,
  });
  ctx.log.info({ messageId: head.messageId, reason }, 'mail rejected');
}

/** Whether patchferry first saw this incomplete series longer ago than the grace period. The time
 * of recording counts, not the senders' Date headers: clocks are wrong, and imported history is old. */
function expired(ctx: Context, members: readonly SeriesMail[], now: Date): boolean {
  const seen = members
    .map((m) => ctx.store.mails.get(m.messageId)?.receivedAt)
    .filter((t): t is string => t !== undefined)
    .map((t) => Date.parse(t));
  if (seen.length === 0) return false;
  return now.getTime() - Math.min(...seen) > ctx.config.series.graceHours * 3600 * 1000;
}

function giveUp(ctx: Context, series: Series, head: SeriesMail, members: readonly SeriesMail[]): void {
  for (const m of members)
    ctx.store.mails.setState(
      m.messageId,
      'final',
      'incomplete',
      `parts missing after ${ctx.config.series.graceHours} hours`,
      m.kind,
    );
  const message = renderIncomplete(
    {
      subject: head.subject,
      sender: head.from,
      messageId: head.messageId,
      references: head.references,
      received: [...series.patches.keys()].sort((a, b) => a - b),
      total: series.total,
      graceHours: ctx.config.series.graceHours,
    },
    {
      listAddress: ctx.config.reporter.listAddress,
      failureRecipients: ctx.config.reporter.failureRecipients,
    },
  );
  ctx.store.reports.queue({
    key: `series:${series.id}:incomplete`,
    kind: 'incomplete',
    seriesId: series.id,
    recipients: [...message.to, ...message.cc],
    ...message,
  });
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
    patches: new Map([...series.patches].map(([part, m]) => [part, m.messageId])),
  });
}

async function applySeries(
  ctx: Context,
  series: Series,
  project: string,
  branch: string,
  members: readonly SeriesMail[],
  summary: { applied: SyncSummary['applied'][number][]; failed: SyncSummary['failed'][number][] },
): Promise<void> {
  const log = ctx.log.child({ series: series.id, project, branch });
  const projectConfig = ctx.config.projects[project];
  if (!projectConfig) return;
  const patches = orderedPatches(series);
  const result = await ctx.applier.apply({
    project,
    gitUrl: projectConfig.git,
    branch,
    workName: series.id,
    patches: patches.map((p, i) => ({
      part: i + 1,
      subject: p.tag.title,
      raw: ctx.store.mails.get(p.messageId)?.raw ?? Buffer.alloc(0),
      trailers: (series.trailers.get(p.messageId) ?? []).map((t) => `${t.key}: ${t.value}`),
    })),
  });
  if (result.ok) {
    ctx.store.series.recordApplication({
      seriesId: series.id,
      project,
      branch,
      state: 'applied',
      baseCommit: result.base,
      headCommit: result.head,
      failedPart: null,
      detail: '',
    });
    ctx.store.series.setState(series.id, 'applied');
    summary.applied.push({ series: series.id, project, branch, head: result.head });
  } else {
    const detail = JSON.stringify({
      failedSubject: result.failedSubject,
      conflicts: result.conflicts,
      output: result.output,
    });
    ctx.store.series.recordApplication({
      seriesId: series.id,
      project,
      branch,
      state: 'failed',
      baseCommit: result.base,
      headCommit: null,
      failedPart: result.failedPart,
      detail,
    });
    ctx.store.series.setState(series.id, 'failed');
    summary.failed.push({
      series: series.id,
      project,
      branch,
      part: result.failedPart,
      reason: result.output.split('\n')[0] ?? '',
    });
    log.warn({ part: result.failedPart }, 'series did not apply');
    await queueFailureReport(ctx, series.id);
  }
  for (const m of members)
    ctx.store.mails.setState(m.messageId, 'final', result.ok ? 'applied' : 'failed to apply', null, m.kind);
}
