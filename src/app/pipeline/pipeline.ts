import { PatchferryError, errorMessage } from '../../shared/errors.ts';
import { unitKey } from '../../work/units.ts';
import {
  queueBuild,
  queueBuilds,
  skippedBranch,
  type BuildOutcome,
  type SkippedBranch,
} from '../build/build.ts';
import { unchangedSinceNightly } from '../publish/nightly.ts';
import type { Deps } from '../deps.ts';
import { queueDailySummary } from '../report/daily-summary.ts';

/** What a pipeline run is narrowed to: the forge's Run pipeline variables PROJECT, BRANCH and
 * PLATFORMS, or the console's form. Empty means every one configured. */
export interface PipelineRequest {
  readonly project?: string;
  readonly branch?: string;
  readonly platforms?: readonly string[];
}

export interface PipelineRun {
  /** Targets already built at the branch's tip: nothing to build again. */
  readonly reused: readonly BuildOutcome[];
  /** Branches whose tip could not be read: built by the next run. */
  readonly skipped: readonly SkippedBranch[];
}

type PipelineDeps = Pick<Deps, 'config' | 'log' | 'store' | 'repository' | 'clock'>;

/**
 * The nightly work (the schedule, and the Run pipeline button, narrowed by `request`): a build unit
 * for the tip of every configured branch on every target of its project, as `patchferry build --all`
 * queues them; a target already built at that tip is reused. The builds' publications and reports
 * follow from the build units as for any other build. Throws a PatchferryError
 * `pipeline_unknown` (not retryable) when the request names a project, branch or platform the
 * configuration does not have, before anything is queued.
 */
export async function runPipeline(deps: PipelineDeps, request: PipelineRequest = {}): Promise<PipelineRun> {
  checkRequest(deps.config, request);
  const filter = {
    all: true,
    ...(request.project ? { project: request.project } : {}),
    ...(request.branch ? { branch: request.branch } : {}),
  };
  const platforms = request.platforms?.length ? request.platforms : [undefined];
  const reused: BuildOutcome[] = [];
  const skipped: SkippedBranch[] = [];
  for (const platform of platforms) {
    const r = await queueBuilds(deps, platform ? { ...filter, platform } : filter);
    reused.push(...r.reused);
    for (const s of r.skipped)
      if (!skipped.some((k) => k.project === s.project && k.branch === s.branch)) skipped.push(s);
  }
  deps.log.info({ ...request, reused: reused.length, skipped: skipped.length }, 'pipeline queued');
  return { reused, skipped };
}

function checkRequest(config: Deps['config'], r: PipelineRequest): void {
  const unknown = (what: string, name: string, known: readonly string[]) =>
    new PatchferryError(
      'pipeline_unknown',
      `no ${what} "${name}" in the configuration (known: ${[...new Set(known)].join(', ')})`,
    );
  const projects = r.project ? [r.project] : Object.keys(config.projects);
  if (r.project && !config.projects[r.project])
    throw unknown('project', r.project, Object.keys(config.projects));
  const branches = projects.flatMap((p) => config.projects[p]?.branches ?? []);
  if (r.branch && !branches.includes(r.branch)) throw unknown('branch', r.branch, branches);
  const platforms = projects.flatMap((p) => config.projects[p]?.platforms ?? []);
  for (const p of r.platforms ?? []) if (!platforms.includes(p)) throw unknown('platform', p, platforms);
}

export interface NightlyRun extends PipelineRun {
  /** Targets whose branch did not move since the last nightly (its tip is what nightly/ serves). */
  readonly unchanged: readonly string[];
}

/**
 * The scheduled nightly run at `at`: for the tip of every configured branch on every target of its
 * project, unless the nightly tree already serves that commit (the branch did not move since the
 * last nightly: `unchangedSinceNightly`), a build (reused when that commit was built before) and its
 * publication to the nightly tree; then the daily summary to the list (queueDailySummary), naming
 * what is built tonight and what did not change.
 */
export async function runNightly(
  deps: PipelineDeps & Pick<Deps, 'publisher'>,
  at: Date,
): Promise<NightlyRun> {
  const reused: BuildOutcome[] = [];
  const skipped: SkippedBranch[] = [];
  const building: string[] = [];
  const unchanged: string[] = [];
  for (const [project, p] of Object.entries(deps.config.projects))
    for (const branch of p.branches) {
      let commit: string;
      try {
        commit = await deps.repository.branchTip(project, p.git, branch);
      } catch (err) {
        deps.log.warn(
          { project, branch, err: errorMessage(err) },
          'cannot read the branch to build; next run',
        );
        skipped.push(skippedBranch(project, branch, err));
        continue;
      }
      const fresh: string[] = [];
      const same: string[] = [];
      for (const platform of p.platforms) {
        const target = { project, branch, commit, platform };
        if (await unchangedSinceNightly(deps, target)) {
          same.push(platform);
          continue;
        }
        deps.store.atomically(() => {
          const earlier = queueBuild(deps, target);
          if (earlier) reused.push(earlier);
          else fresh.push(platform);
          deps.store.work.enqueue({
            kind: 'publish',
            key: unitKey.nightly(target),
            payload: { channel: 'nightly', ...target },
          });
        });
      }
      deps.store.series.markBuilt(project, branch, commit);
      if (fresh.length > 0) building.push(`${project}/${branch} (${fresh.join(', ')})`);
      if (same.length > 0) unchanged.push(`${project}/${branch} (${same.join(', ')})`);
    }
  deps.log.info({ building, unchanged, skipped: skipped.length }, 'nightly queued');
  queueDailySummary(deps, at, { building, unchanged });
  return { reused, skipped, unchanged };
}
