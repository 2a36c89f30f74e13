import type { NotAppliedRecord } from '../../ports/not-applied-record.ts';
import type { PipelineArtifacts, CarriedBuild } from '../../ports/pipeline-artifacts.ts';
import type { BuildRecord, Store } from '../../ports/store.ts';
import { UsageError, errorMessage } from '../../shared/errors.ts';
import { queueBuild, type BuildOutcome, type SkippedBranch } from '../build/build.ts';
import type { Deps } from '../deps.ts';
import { queuePublications } from '../publish/publish.ts';
import { unchangedSinceNightly } from '../publish/nightly.ts';
import { queueDailySummary } from '../report/daily-summary.ts';
import { unitKey } from '../../work/units.ts';
import { runUnits } from '../stages.ts';
import type { BuildSummary, PublishSummary, ReportSummary, SyncSummary } from '../summaries.ts';
import { fail, sent, syncSummary, type UnitProblem } from '../summaries.ts';
import type { UnitKind } from '../../ports/work-queue.ts';
import { settle } from '../intake/ingest.ts';
import { intake } from '../intake/intake.ts';
import { detectMerges } from '../propose/merges.ts';
import { sleep } from '../../shared/backoff.ts';
import { renderPipelineReport } from '../../render/report.ts';
import { queueMail } from '../../work/outbox.ts';
import { buildFactsOf, queueSeriesReport, reportKey } from '../report/series-report.ts';
import { recoverMergedSeries } from './merged-series.ts';
import { audience } from '../report/notices.ts';
import type { BuildPlan } from './plan.ts';

/**
 * `patchferry ci sync`: the `sync` stage, and then, where every source is an IMAP mailbox, the
 * mail it queued (failure reports, rejections, held notices) delivered before the mailbox is
 * marked: the job's database goes with it, and a marked mail is never read again, so a notice not
 * delivered here would never be. A job with any unit left failed marks nothing: the next one
 * takes the same mail up again (a series it applied is found on its branch then). Sources that
 * keep no mark (mbox, Maildir, public-inbox) are read whole by every job, so their notices are not
 * sent from a job: each nightly would send them again. For the same reason a series that does not
 * apply fails again in every job: one an earlier job reported (`record`, kept in the published
 * tree) is listed in `failedBefore`, not in `failed`, so it fails the job's exit status once.
 */
export async function ciSync(
  deps: Deps,
  record: NotAppliedRecord,
  signal?: AbortSignal,
): Promise<SyncSummary> {
  const marked = deps.config.sources.every((s) => s.type === 'imap');
  const earlier = await record.reported().catch((err: unknown) => {
    deps.log.warn({ err: errorMessage(err) }, 'series reported as not applying before unknown');
    return new Set<string>();
  });
  const looked = await detectMerges(deps);
  const taken = await intake(deps, {});
  const kinds: UnitKind[] = ['series', 'archive', 'forge', ...(marked ? (['mail'] as const) : [])];
  const { c, units, deferred } = await runUnits(deps, kinds, signal);
  if (units.length === 0) await settle(deps);
  const summary = syncSummary({ ...taken, ...looked }, c, units);
  // A run stopped early did not look at every series: the record stays as it was.
  if (!summary.interrupted && !signal?.aborted)
    await record.replace(summary.failed.map((f) => f.series)).catch((err: unknown) => {
      deps.log.warn({ err: errorMessage(err) }, 'series not applying not recorded for the next job');
    });
  return {
    ...summary,
    failed: summary.failed.filter((f) => !earlier.has(f.series)),
    failedBefore: summary.failed.filter((f) => earlier.has(f.series)),
    deferred,
  };
}

/**
 * `patchferry ci build`: builds what the job's plan names (a branch's tip where the plan gives no
 * commit) and saves every build, failed ones included, in the pipeline's artifacts for the publish
 * and report jobs. A build the job's database already has (a retried job on a runner that kept it)
 * is saved again, not built again. For the nightly (`options.nightly`), a tip the nightly tree
 * already serves is not built: the branch did not move since the last nightly (`unchanged`).
 * Throws UsageError, before building anything, for a commit the plan names that the project's
 * repository does not have (a mistyped CI_COMMIT_SHA, a pipeline of another repository): no
 * retry brings it. A merged-results pipeline's commit, on no branch, is there by its id.
 */
export async function ciBuild(
  deps: Deps,
  artifacts: PipelineArtifacts,
  plan: BuildPlan,
  options: { readonly nightly: boolean; readonly signal?: AbortSignal },
): Promise<BuildSummary & { unchanged: string[] }> {
  const { signal } = options;
  const reused: BuildOutcome[] = [];
  const skipped: SkippedBranch[] = [];
  const unchanged: string[] = [];
  const targets = [];
  const known = new Set<string>();
  for (const b of plan.builds) {
    const project = deps.config.projects[b.project];
    if (!project) continue;
    let commit = b.commit;
    if (commit !== null && !known.has(`${b.project} ${commit}`)) {
      // A repository that cannot be reached now is no answer: the build unit fetches again, and
      // retries that as it retries any passing failure.
      const has = await deps.repository.hasCommit(b.project, project.git, commit).catch(() => null);
      if (has === false)
        throw new UsageError(
          `ci: commit ${commit} is not in the repository of ${b.project} (${project.git}), on a branch or by its id: build a commit of that repository (CI_COMMIT_SHA, GITHUB_SHA), or make projects.${b.project}.git the repository this pipeline runs for`,
        );
      known.add(`${b.project} ${commit}`);
    }
    if (commit === null) {
      try {
        commit = await deps.repository.branchTip(b.project, project.git, b.branch);
      } catch (err) {
        skipped.push({ project: b.project, branch: b.branch, error: errorMessage(err) });
        continue;
      }
    }
    const target = { project: b.project, branch: b.branch, commit, platform: b.platform };
    if (options.nightly && b.commit === null && (await unchangedSinceNightly(deps, target))) {
      unchanged.push(`${b.project}/${b.branch} ${b.platform} at ${commit.slice(0, 12)}`);
      continue;
    }
    targets.push(target);
    const earlier = deps.store.atomically(() => queueBuild(deps, target));
    if (earlier) reused.push(earlier);
  }
  const built: BuildOutcome[] = [];
  let units: UnitProblem[] = [];
  // A builder that works elsewhere (Koji) leaves its unit waiting, and a build that failed for a
  // passing reason is due again later: nothing but this job will ever look at them (its database
  // goes with it), so it waits for them itself, until each is done or given up on.
  for (;;) {
    const ran = await runUnits(deps, ['build'], signal);
    built.push(...ran.c.builds);
    // A unit's latest round says where it stands: retried and then built is no problem left.
    const later = new Set([...ran.drained.done, ...ran.units].map((u) => u.key));
    units = [...units.filter((u) => !later.has(u.key)), ...ran.units];
    const open = targets.some((t) => {
      const state = deps.store.work.get(unitKey.build({ ...t, scratch: false }))?.state;
      return state === 'pending' || state === 'failed';
    });
    const due = deps.store.work.nextDue(['build']);
    if (!open || due === null || signal?.aborted) break;
    await sleep(Math.max(0, due - deps.clock.now()), signal).catch(() => undefined);
  }
  for (const t of targets) {
    const record = deps.store.builds.find(t);
    if (record && record.state !== 'running') await artifacts.save(carried(record));
  }
  return { builds: [...reused, ...built], skipped, units, unchanged };
}

/**
 * `patchferry ci publish`: publishes every successful build the pipeline's build jobs saved
 * (scratch builds never), and saves each again with where it is served, for the report job. The
 * nightly's builds (`options.nightly`) go to the nightly tree too, which records their commits.
 */
export async function ciPublish(
  deps: Deps,
  artifacts: PipelineArtifacts,
  options: { readonly nightly: boolean; readonly signal?: AbortSignal },
): Promise<PublishSummary> {
  const { signal } = options;
  const ids = new Map<number, CarriedBuild>();
  for (const build of await artifacts.load()) {
    const record = restore(deps.store, build);
    ids.set(record.id, build);
    if (options.nightly && record.state === 'succeeded' && !record.scratch) {
      const t = {
        project: record.project,
        branch: record.branch,
        commit: record.commit,
        platform: record.platform,
      };
      deps.store.work.enqueue({
        kind: 'publish',
        key: unitKey.nightly(t),
        payload: { channel: 'nightly', ...t },
      });
    }
  }
  queuePublications(deps);
  const { c, units } = await runUnits(deps, ['publish'], signal);
  for (const id of ids.keys()) {
    const record = deps.store.builds.get(id);
    if (record?.publishedUrl) await artifacts.save(carried(record));
  }
  return { published: c.published, failed: units.map(fail), units };
}

/**
 * `patchferry ci report`: reports what the pipeline built, one report per branch and commit. For
 * a push to a tracked branch (`pipeline.merges`), the series whose merge requests that push merged
 * are recovered from the forge (`recoverMergedSeries`), and each gets what the daemon would give
 * it: the list report threaded to its cover letter, its MR's status note edited in place (found by
 * its marker), a commit status per target. A commit that merged no series of patchferry's (or any
 * other pipeline) gets the pipeline report to the list. Every effect is keyed by what it reports,
 * so a retried job — or the daemon reporting the same build — sends the same Message-ID and edits
 * the same note. Failures are copied to the failure recipients.
 */
export async function ciReport(
  deps: Deps,
  artifacts: PipelineArtifacts,
  pipeline: {
    readonly reason: string;
    readonly merges: boolean;
    /** The nightly: the daily summary of what it built, not a report per branch. */
    readonly nightly: boolean;
  },
  signal?: AbortSignal,
): Promise<ReportSummary> {
  const groups = new Map<string, BuildRecord[]>();
  for (const carriedBuild of await artifacts.load()) {
    if (carriedBuild.scratch || carriedBuild.state === 'running') continue;
    const record = restore(deps.store, carriedBuild);
    const at = JSON.stringify([record.project, record.branch, record.commit]);
    groups.set(at, [...(groups.get(at) ?? []), record]);
  }
  if (pipeline.nightly) {
    const built = [...groups.values()].map(
      (builds) => `${builds[0]?.project}/${builds[0]?.branch} (${builds.map((b) => b.platform).join(', ')})`,
    );
    // This job knows the pipeline's builds, not the series the sync job took in: no series line.
    queueDailySummary(deps, new Date(deps.clock.now()), { building: built, series: false });
    groups.clear();
  }
  for (const builds of groups.values()) {
    const { project, branch, commit } = builds[0] as BuildRecord;
    const facts = await Promise.all(builds.map((b) => buildFactsOf(deps, b)));
    const merged = pipeline.merges ? await recoverMergedSeries(deps, { project, branch, commit }) : null;
    for (const why of merged?.skipped ?? [])
      deps.log.warn({ project, branch, commit, why }, 'merge request not reported on');
    if (merged && merged.series.length > 0) {
      for (const s of merged.series)
        queueSeriesReport(deps, {
          seriesId: s.seriesId,
          key: reportKey(s.seriesId, commit, builds),
          commit,
          facts: s.facts,
          applied: s.applied,
          builds: facts,
          quiet: false,
        });
      continue;
    }
    const outcome = facts.map((b) => `${b.platform}${b.ok ? '' : ':failed'}`).join(',');
    deps.store.atomically(() =>
      queueMail(
        deps.store.work,
        `pipeline:${project}:${branch}:${commit}:${outcome}`,
        renderPipelineReport(
          { project, branch, commit, reason: pipeline.reason, builds: facts },
          audience(deps.config),
        ),
      ),
    );
  }
  const { c, units } = await runUnits(deps, ['mail', 'forge'], signal);
  return { sent: c.deliveries.map(sent), failed: units.map(fail), units };
}

/** A build from the artifacts recorded in this job's (empty) database, as its build job left it. */
export function restore(store: Store, build: CarriedBuild): BuildRecord {
  return store.atomically(() => {
    const started = store.builds.start(build);
    if (build.state !== 'running') {
      store.builds.finish(started.id, {
        state: build.state,
        logPath: build.logPath,
        logUrl: build.logUrl,
        rpms: build.rpms,
        error: build.error,
        archBuilds: build.archBuilds,
        srpm: build.srpm,
        release: build.release,
        failureClass: build.failureClass,
        errorLines: build.errorLines,
        retries: build.retries,
        taskId: build.taskId,
      });
    }
    if (build.publishedUrl && build.repoFileUrl) {
      store.builds.recordPublication(started.id, {
        path: '',
        url: build.publishedUrl,
        repoFileUrl: build.repoFileUrl,
      });
    }
    return store.builds.get(started.id) ?? started;
  });
}

function carried(record: BuildRecord): CarriedBuild {
  const { id: _id, createdAt: _createdAt, ...rest } = record;
  return rest;
}
