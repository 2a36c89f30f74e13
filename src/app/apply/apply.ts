import type { ApplyResult, PatchToApply } from '../../ports/repository.ts';
import type { ApplicationRecord } from '../../ports/store.ts';
import type { SeriesPlan } from '../../work/units.ts';
import { queueArchive } from '../archive/archive-unit.ts';
import type { Deps } from '../deps.ts';
import { recordAlready, type AlreadyApplied } from '../series/already.ts';
import { finalMails } from '../series/final-mails.ts';
import { queueFailureReport } from '../report/series-report.ts';
import { errorMessage } from '../../shared/errors.ts';

/** One complete, routed series and the raw mails its patches are in. */
export interface SeriesJob {
  readonly plan: SeriesPlan;
  /** Raw mails by Message-ID. */
  readonly raw: ReadonlyMap<string, Buffer>;
  /** The unit's: stops git when the worker shuts down. */
  readonly signal?: AbortSignal;
}

/** What became of a series: the apply/propose unit's result. */
export type SeriesOutcome =
  | {
      readonly type: 'applied';
      readonly series: string;
      readonly project: string;
      readonly branch: string;
      readonly head: string;
    }
  | {
      readonly type: 'failed';
      readonly series: string;
      readonly project: string;
      readonly branch: string;
      readonly part: number;
      readonly reason: string;
    }
  | AlreadyApplied
  | { readonly type: 'resend'; readonly series: string; readonly of: string }
  /** Merge-request mode: pushed to its branch; the merge request follows through the outbox. */
  | { readonly type: 'pushed'; readonly series: string; readonly sourceBranch: string };

type ApplyDeps = Pick<Deps, 'config' | 'log' | 'store' | 'applier' | 'repository' | 'clock'>;

/** The patches of a series as `git am` gets them: raw mails, with the trailers collected for each. */
export function patchesOf(job: SeriesJob): PatchToApply[] {
  return job.plan.patches.map((p) => ({
    part: p.part,
    subject: p.subject,
    raw: job.raw.get(p.messageId) ?? Buffer.alloc(0),
    trailers: p.trailers,
  }));
}

/** Direct mode: the series goes onto its target branch itself (only the patches numbered in `parts`,
 * when given). */
export async function applyDirect(
  deps: ApplyDeps,
  job: SeriesJob,
  parts?: ReadonlySet<number>,
): Promise<SeriesOutcome> {
  const { seriesId, project, branch } = job.plan;
  const log = deps.log.child({ series: seriesId, project, branch });
  const projectConfig = deps.config.projects[project];
  if (!projectConfig) throw new Error(`project ${project} is no longer configured`);
  const inFlight = deps.store.series.pushInFlight(seriesId);
  if (inFlight && (await deps.repository.contains(project, projectConfig.git, branch, inFlight.head))) {
    // The last run pushed this series and stopped before recording it: record, do not apply twice.
    log.warn({ head: inFlight.head }, 'series was pushed by an interrupted run; recording it');
    return recordApplied(deps, job, inFlight);
  }
  const patches = patchesOf(job).filter((p) => !parts || parts.has(p.part));
  const result = await deps.applier.apply(
    {
      project,
      gitUrl: projectConfig.git,
      branch,
      workName: seriesId,
      patches,
      ...(job.signal ? { signal: job.signal } : {}),
    },
    {
      beforePush: (base, head) => deps.store.series.recordPush({ seriesId, project, branch, base, head }),
    },
  );
  if (result.ok && result.head !== result.base) return recordApplied(deps, job, result);
  // Nothing new (git am found each patch applied), or it did not apply: a series applied before
  // — by a run with another database, such as every CI job's, or by hand — is no failure.
  const on = await onBranchAlready(
    deps,
    job.plan,
    projectConfig.git,
    patches.map((p) => p.raw),
  );
  if (on) return recordAlready(deps, job.plan, on);
  if (result.ok) return recordApplied(deps, job, result);
  return recordFailure(deps, job, result);
}

/** Where on its branch a series' patches (raw mails) are already, by git patch-id
 * (Repository.appliedOn); null when not all are, or when the branch could not be read (logged). */
async function onBranchAlready(
  deps: Pick<Deps, 'log' | 'repository'>,
  plan: Pick<SeriesPlan, 'seriesId' | 'project' | 'branch'>,
  gitUrl: string,
  patches: readonly Buffer[],
): Promise<{ base: string; head: string } | null> {
  return deps.repository.appliedOn(plan.project, gitUrl, plan.branch, patches).catch((err: unknown) => {
    deps.log.warn(
      { series: plan.seriesId, project: plan.project, branch: plan.branch, err: errorMessage(err) },
      'could not look for the series on its branch',
    );
    return null;
  });
}

function recordApplied(
  deps: ApplyDeps,
  job: SeriesJob,
  result: { base: string; head: string },
): SeriesOutcome {
  const { seriesId, project, branch } = job.plan;
  recordOutcome(deps, job, 'applied', {
    baseCommit: result.base,
    headCommit: result.head,
    failedPart: null,
    mergeRequest: null,
  });
  return { type: 'applied', series: seriesId, project, branch, head: result.head };
}

/** A series that did not apply: recorded, reported on the list, its mails final. */
export function recordFailure(
  deps: Pick<Deps, 'config' | 'log' | 'store' | 'clock'>,
  job: SeriesJob,
  result: Extract<ApplyResult, { ok: false }>,
): SeriesOutcome {
  const { seriesId, project, branch } = job.plan;
  const { failedPart, failedSubject, conflicts, conflictDiff, output } = result;
  deps.log.warn({ series: seriesId, project, branch, part: failedPart }, 'series did not apply');
  deps.store.atomically(() => {
    // The report is queued under a key of its own, so queuing it again after a crash changes nothing.
    queueFailureReport(deps, job.plan, {
      state: 'failed',
      failedPart,
      failedSubject,
      conflicts,
      conflictDiff,
      output,
    });
    recordOutcome(deps, job, 'failed', {
      baseCommit: result.base,
      headCommit: null,
      failedPart,
      mergeRequest: null,
    });
  });
  return {
    type: 'failed',
    series: seriesId,
    project,
    branch,
    part: failedPart,
    reason: output.split('\n')[0] ?? '',
  };
}

/** The outcome of applying a series, with the series' state and its mails made final, in one
 * transaction: a crash cannot leave the outcome recorded while the mails still look new. The mails'
 * `outcome` in words is "applied" or "failed to apply" unless given; an applied series goes into
 * the archive of the day's patches. */
export function recordOutcome(
  deps: Pick<Deps, 'store' | 'clock'>,
  job: SeriesJob,
  state: 'applied' | 'failed',
  application: Pick<ApplicationRecord, 'baseCommit' | 'headCommit' | 'failedPart' | 'mergeRequest'>,
  options: { readonly outcome?: string } = {},
): void {
  const outcome = options.outcome ?? (state === 'applied' ? 'applied' : 'failed to apply');
  const { seriesId, project, branch } = job.plan;
  const { store } = deps;
  store.atomically(() => {
    store.series.recordApplication({ seriesId, project, branch, state, ...application });
    store.series.setState(seriesId, state);
    finalMails(store, job.plan.members, outcome);
    // On its branch now (direct mode): into the archive of the day's patches.
    if (state === 'applied') queueArchive(store, seriesId, deps.clock.now());
  });
}
