import type { Mail } from '../mail/mail.ts';
import type { PatchToApply, ApplyResult } from '../ports/repository.ts';
import { orderedPatches, type Series, type SeriesMail } from '../series/series.ts';
import type { MailRecord } from '../store/mail-records.ts';
import type { ApplicationRecord } from '../store/series-records.ts';
import type { Context } from './context.ts';
import { queueFailureReport } from './report.ts';

/** One complete, routed series and what is needed to apply it. */
export interface SeriesJob {
  readonly series: Series;
  readonly project: string;
  readonly branch: string;
  /** Every mail of the series (cover, patches, extras). */
  readonly members: readonly SeriesMail[];
  readonly records: ReadonlyMap<string, MailRecord>;
  /** The parsed mails by Message-ID, for their text. */
  readonly mails: ReadonlyMap<string, Mail>;
}

export interface ApplyOutcomes {
  readonly applied: { series: string; project: string; branch: string; head: string }[];
  readonly failed: { series: string; project: string; branch: string; part: number; reason: string }[];
}

/** The patches of a series as `git am` gets them: raw mails, with the trailers collected for each. */
export function patchesOf(job: SeriesJob): PatchToApply[] {
  return orderedPatches(job.series).map((p, i) => ({
    part: i + 1,
    subject: p.tag.title,
    raw: job.records.get(p.messageId)?.raw ?? Buffer.alloc(0),
    trailers: (job.series.trailers.get(p.messageId) ?? []).map((t) => `${t.key}: ${t.value}`),
  }));
}

/** Direct mode: the series goes onto its target branch itself (only the patches numbered in `parts`,
 * when given). */
export async function applyDirect(
  ctx: Context,
  job: SeriesJob,
  summary: ApplyOutcomes,
  parts?: ReadonlySet<number>,
): Promise<void> {
  const { series, project, branch } = job;
  const log = ctx.log.child({ series: series.id, project, branch });
  const projectConfig = ctx.config.projects[project];
  if (!projectConfig) return;
  const inFlight = ctx.store.series.pushInFlight(series.id);
  if (inFlight && (await ctx.repository.contains(project, projectConfig.git, branch, inFlight.head))) {
    // The last run pushed this series and stopped before recording it: record, do not apply twice.
    log.warn({ head: inFlight.head }, 'series was pushed by an interrupted run; recording it');
    recordApplied(ctx, job, inFlight, summary);
    return;
  }
  const result = await ctx.applier.apply(
    {
      project,
      gitUrl: projectConfig.git,
      branch,
      workName: series.id,
      patches: patchesOf(job).filter((p) => !parts || parts.has(p.part)),
    },
    {
      beforePush: (base, head) =>
        ctx.store.series.recordPush({ seriesId: series.id, project, branch, base, head }),
    },
  );
  if (result.ok) recordApplied(ctx, job, result, summary);
  else await recordFailure(ctx, job, result, summary);
}

function recordApplied(
  ctx: Context,
  job: SeriesJob,
  result: { base: string; head: string },
  summary: ApplyOutcomes,
): void {
  const { series, project, branch } = job;
  recordOutcome(ctx, job, 'applied', {
    baseCommit: result.base,
    headCommit: result.head,
    failedPart: null,
    detail: '',
  });
  summary.applied.push({ series: series.id, project, branch, head: result.head });
}

/** A series that did not apply: recorded, reported on the list, its mails final. */
export async function recordFailure(
  ctx: Context,
  job: SeriesJob,
  result: Extract<ApplyResult, { ok: false }>,
  summary: ApplyOutcomes,
): Promise<void> {
  const { series, project, branch } = job;
  const { failedPart, failedSubject, conflicts, conflictDiff, output } = result;
  ctx.log.warn({ series: series.id, project, branch, part: failedPart }, 'series did not apply');
  // The report is queued under a key of its own, so queuing it again after a crash changes nothing.
  await queueFailureReport(ctx, series.id, {
    state: 'failed',
    failedPart,
    failedSubject,
    conflicts,
    conflictDiff,
    output,
  });
  recordOutcome(ctx, job, 'failed', {
    baseCommit: result.base,
    headCommit: null,
    failedPart,
    detail: JSON.stringify({ failedSubject, conflicts, conflictDiff, output }),
  });
  summary.failed.push({
    series: series.id,
    project,
    branch,
    part: failedPart,
    reason: output.split('\n')[0] ?? '',
  });
}

/** The outcome of applying a series, with the series' state and its mails made final, in one
 * transaction: a crash cannot leave the outcome recorded while the mails still look new. */
export function recordOutcome(
  ctx: Context,
  job: SeriesJob,
  state: 'applied' | 'failed',
  application: Pick<ApplicationRecord, 'baseCommit' | 'headCommit' | 'failedPart' | 'detail'>,
  outcome: string = state === 'applied' ? 'applied' : 'failed to apply',
): void {
  const { series, project, branch } = job;
  ctx.store.atomically(() => {
    ctx.store.series.recordApplication({ seriesId: series.id, project, branch, state, ...application });
    ctx.store.series.setState(series.id, state);
    for (const m of job.members) ctx.store.mails.setState(m.messageId, 'final', outcome, null, m.kind);
  });
}
