import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseSubject } from '../mail/subject.ts';
import { parseMail } from '../mail/parse.ts';
import type { Series, SeriesMail } from '../series/series.ts';
import {
  renderIncomplete,
  renderRejection,
  renderSeriesReport,
  type ApplicationFacts,
  type BuildFacts,
  type SeriesFacts,
} from '../report/render.ts';
import type { ReportMessage } from '../ports/report-message.ts';
import { PatchferryError, errorMessage } from '../shared/errors.ts';
import type { CommitStatus } from '../ports/forge.ts';
import { renderBuildNote } from '../report/merge-request.ts';
import type { ReportRecord } from '../store/report-records.ts';
import { repoFileUrl } from '../publish/layout.ts';
import type { Context } from './context.ts';

export interface ReportSummary {
  readonly sent: readonly { key: string; subject: string; to: readonly string[]; body: string }[];
  readonly failed: readonly { key: string; error: string }[];
}

/** Queues the reply to a sender whose mail names no known repository or branch. */
export function queueRejection(ctx: Context, head: SeriesMail, reason: string): void {
  const message = renderRejection({
    subject: head.subject,
    sender: head.from,
    messageId: head.messageId,
    references: head.references,
    reason,
  });
  queue(ctx, `mail:${head.messageId}:rejected`, null, message, 'rejection');
}

/** Queues the notice on a series whose missing parts did not come within the grace period. */
export function queueIncomplete(ctx: Context, series: Series, head: SeriesMail): void {
  const facts = {
    subject: head.subject,
    sender: head.from,
    messageId: head.messageId,
    references: head.references,
    received: [...series.patches.keys()].sort((a, b) => a - b),
    total: series.total,
    graceHours: ctx.config.series.graceHours,
  };
  queue(
    ctx,
    `series:${series.id}:incomplete`,
    series.id,
    renderIncomplete(facts, audience(ctx)),
    'incomplete',
  );
}

/** Queues the report of a series that was not applied: what git said, or why it was not tried. */
export async function queueFailureReport(
  ctx: Context,
  seriesId: string,
  application: Exclude<ApplicationFacts, { state: 'applied' }>,
): Promise<void> {
  const facts = await seriesFacts(ctx, seriesId);
  if (!facts) return;
  const message = renderSeriesReport(facts, application, [], audience(ctx));
  queue(ctx, `series:${seriesId}:failed`, seriesId, message);
}

/** Queues the report of every applied series whose builds have all finished. */
export async function queueBuildReports(ctx: Context): Promise<void> {
  for (const series of ctx.store.series.all()) {
    const app = ctx.store.series.application(series.id);
    if (!app || app.state !== 'applied' || !app.buildCommit || !app.baseCommit || !app.headCommit) continue;
    const key = `series:${series.id}:built:${app.buildCommit}`;
    if (ctx.store.reports.has(key)) continue;
    const platforms = ctx.config.projects[series.project]?.platforms ?? [];
    const builds = ctx.store.builds.forCommit(series.project, series.branch, app.buildCommit);
    const settled = platforms.every((p) =>
      builds.some(
        (b) => b.platform === p && (b.state === 'failed' || (b.state === 'succeeded' && b.publishedUrl)),
      ),
    );
    if (!settled) continue;
    const facts = await seriesFacts(ctx, series.id);
    if (!facts) continue;
    const buildFacts: BuildFacts[] = [];
    for (const b of builds) {
      buildFacts.push({
        platform: b.platform,
        arch: b.arch,
        ok: b.state === 'succeeded',
        rpms: b.rpms.map((r) => basename(r)),
        repoUrl: b.publishedUrl,
        repoFileUrl: b.publishedUrl
          ? repoFileUrl(ctx.config.publisher.baseUrl, series.project, series.branch, b.platform)
          : null,
        logPath: b.logPath,
        logTail: b.state === 'failed' && b.logPath ? await tail(b.logPath, 25) : null,
        error: b.error,
      });
    }
    const application: ApplicationFacts = { state: 'applied', base: app.baseCommit, head: app.headCommit };
    // The MR's note and the commit statuses go out with the list report, through the same queue:
    // each is sent once, and retried by the next run when the forge did not take it.
    ctx.store.atomically(() => {
      queue(ctx, key, series.id, renderSeriesReport(facts, application, buildFacts, audience(ctx)));
      const mr = ctx.store.mergeRequests.get(series.id);
      if (!mr) return;
      const note = renderBuildNote({
        commit: app.buildCommit ?? '',
        branch: series.branch,
        builds: buildFacts,
      });
      queueForge(ctx, {
        key: `mr:${series.id}:built:${app.buildCommit}`,
        seriesId: series.id,
        kind: 'merge-request-note',
        what: `build report on ${mr.url}`,
        body: note,
      });
      for (const b of buildFacts) {
        const status: StatusReport = {
          sha: app.buildCommit ?? '',
          status: {
            state: b.ok ? 'success' : 'failed',
            name: `patchferry/rpm/${b.platform}`,
            description: b.ok ? `${b.rpms.length} RPMs built` : (b.error ?? 'build failed').slice(0, 140),
            ...(b.repoUrl ? { url: b.repoUrl } : {}),
          },
        };
        queueForge(ctx, {
          key: `status:${series.project}:${app.buildCommit}:${b.platform}:${series.id}`,
          seriesId: series.id,
          kind: 'commit-status',
          what: `${status.status.name} ${status.status.state} on ${status.sha.slice(0, 12)} (${mr.url})`,
          body: JSON.stringify(status),
        });
      }
    });
  }
}

/** A commit status waiting in the queue. */
interface StatusReport {
  readonly sha: string;
  readonly status: CommitStatus;
}

/** Sends every queued report through every notifier; a report is marked sent only when all took it. */
export async function sendReports(ctx: Context): Promise<ReportSummary> {
  const sent: { key: string; subject: string; to: readonly string[]; body: string }[] = [];
  const failed: { key: string; error: string }[] = [];
  for (const report of ctx.store.reports.pending()) {
    const message: ReportMessage = {
      to: report.recipients,
      cc: [],
      subject: report.subject,
      inReplyTo: report.inReplyTo,
      references: report.references,
      body: report.body,
    };
    try {
      if (FORGE_KINDS.has(report.kind)) await sendToForge(ctx, report);
      else for (const n of ctx.notifiers) await n.send(report.key, message);
      ctx.store.reports.markSent(report.key);
      sent.push({ key: report.key, subject: report.subject, to: report.recipients, body: report.body });
    } catch (err) {
      failed.push({ key: report.key, error: errorMessage(err) });
      ctx.log.error({ report: report.key, err: errorMessage(err) }, 'report not sent');
    }
  }
  return { sent, failed };
}

const FORGE_KINDS = new Set(['merge-request-note', 'commit-status']);

/** Posts a queued note or status to the merge request of its series. */
async function sendToForge(ctx: Context, report: ReportRecord): Promise<void> {
  const mr = report.seriesId ? ctx.store.mergeRequests.get(report.seriesId) : undefined;
  const forgePath = mr ? ctx.config.projects[mr.project]?.forgePath : undefined;
  if (!ctx.forge || !mr || !forgePath)
    throw new PatchferryError(
      'report_no_forge',
      `${report.kind} ${report.key} is for a merge request, but no forge and project forgePath are configured for it`,
    );
  if (report.kind === 'merge-request-note') await ctx.forge.comment(forgePath, mr.number, report.body);
  else {
    const { sha, status } = JSON.parse(report.body) as StatusReport;
    await ctx.forge.setStatus(forgePath, sha, status);
  }
}

/** Queues something for the forge (no mail): its body is what the forge gets, `what` says it in
 * the job's summary. */
function queueForge(
  ctx: Context,
  item: { key: string; seriesId: string; kind: string; what: string; body: string },
): void {
  ctx.store.reports.queue({
    key: item.key,
    kind: item.kind,
    seriesId: item.seriesId,
    recipients: [],
    subject: item.what,
    inReplyTo: null,
    references: [],
    body: item.body,
  });
}

/** Queues a report once: a key already queued (a retried job) queues nothing. */
function queue(
  ctx: Context,
  key: string,
  seriesId: string | null,
  message: ReportMessage,
  kind = 'series',
): void {
  ctx.store.reports.queue({
    key,
    kind,
    seriesId,
    recipients: [...message.to, ...message.cc],
    subject: message.subject,
    inReplyTo: message.inReplyTo,
    references: message.references,
    body: message.body,
  });
}

async function seriesFacts(ctx: Context, seriesId: string): Promise<SeriesFacts | null> {
  const series = ctx.store.series.get(seriesId);
  const record = ctx.store.mails.get(seriesId);
  if (!series || !record) return null;
  const head = await parseMail(record.raw);
  return {
    title: series.title,
    subject: head.subject,
    version: series.version,
    sender: head.from,
    project: series.project,
    branch: series.branch,
    patches: [...series.patches].map(([part, id]) => ({
      part,
      subject: parseSubject(ctx.store.mails.get(id)?.subject ?? '').title,
    })),
    replyTo: seriesId,
    references: [...head.references],
  };
}

function audience(ctx: Context) {
  return {
    listAddress: ctx.config.reporter.listAddress,
    failureRecipients: ctx.config.reporter.failureRecipients,
  };
}

async function tail(path: string, lines: number): Promise<string | null> {
  const text = await readFile(path, 'utf8').catch(() => null);
  return text === null ? null : text.trimEnd().split('\n').slice(-lines).join('\n');
}
