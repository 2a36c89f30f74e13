import type { UnitKind } from '../ports/work-queue.ts';
import { drain, type DrainSummary, type Handlers, type WorkerOptions } from '../work/worker.ts';
import { seriesHandler } from './apply/series-unit.ts';
import { archiveHandler } from './archive/archive-unit.ts';
import { checkHandler } from './check/check-unit.ts';
import { queueBuilds, type BuildFilter } from './build/build.ts';
import { buildHandler } from './build/build-unit.ts';
import type { Deps } from './deps.ts';
import { settle } from './intake/ingest.ts';
import { intake, type IntakeOptions } from './intake/intake.ts';
import { detectMerges } from './propose/merges.ts';
import { publishHandler, queuePublications } from './publish/publish.ts';
import { unitDied } from './report/dead.ts';
import { forgeHandler, mailHandler } from './report/deliver.ts';
import { queueBuildReports } from './report/series-report.ts';
import {
  collector,
  deferred,
  fail,
  problems,
  sent,
  syncSummary,
  type BuildSummary,
  type Collected,
  type JobSummary,
  type PublishSummary,
  type ReportSummary,
  type SyncSummary,
} from './summaries.ts';

/** The handlers of every kind of unit, their outcomes collected for the summaries. */
export function handlers(deps: Deps, c: Collected): Handlers {
  return {
    series: seriesHandler(deps, (o) => c.series.push(o)),
    build: buildHandler(deps, (o) => c.builds.push(o)),
    publish: publishHandler(deps, (o) => c.published.push(o)),
    check: checkHandler(deps, (o) => c.checked.push(o)),
    archive: archiveHandler(deps),
    mail: mailHandler(deps, (d) => c.deliveries.push(d)),
    forge: forgeHandler(deps, (d) => c.deliveries.push(d)),
  };
}

/** How this process's worker runs units (lease holder, retries, the dead-unit report). */
export function workerOptions(deps: Deps, h: Handlers): WorkerOptions {
  return {
    queue: deps.store.work,
    handlers: h,
    policy: deps.worker.policy,
    clock: deps.clock,
    log: deps.log,
    holder: deps.worker.holder,
    onDead: (unit, error) => unitDied(deps, unit, error),
  };
}

/** Runs every due unit of these kinds, `parallel` at a time (each claim is atomic, so no unit
 * runs twice), their outcomes collected. */
export async function runUnits(deps: Deps, kinds: readonly UnitKind[], signal?: AbortSignal, parallel = 1) {
  const c = collector();
  const options = workerOptions(deps, handlers(deps, c));
  const all = await Promise.all(Array.from({ length: parallel }, () => drain(options, kinds, signal)));
  const drained: DrainSummary = {
    done: all.flatMap((d) => d.done),
    retrying: all.flatMap((d) => d.retrying),
    dead: all.flatMap((d) => d.dead),
    waiting: all.flatMap((d) => d.waiting),
  };
  const ran = new Set([...drained.retrying, ...drained.dead].map((u) => u.key));
  return { c, drained, units: problems(drained), deferred: deferred(deps.store.work, kinds, ran) };
}

/** `sync`: merges seen on the forge, then intake, then every series applied or proposed (and the
 * merge requests they open). */
export async function sync(
  deps: Deps,
  options: IntakeOptions = {},
  signal?: AbortSignal,
): Promise<SyncSummary> {
  const looked = await detectMerges(deps);
  const taken = await intake(deps, signal ? { ...options, signal } : options);
  const { c, units, deferred } = await runUnits(deps, ['series', 'archive', 'forge'], signal);
  // The series just applied made their mails final: the mailboxes that can hold a mark get it.
  await settle(deps);
  return { ...syncSummary({ ...taken, ...looked }, c, units), deferred };
}

/** `build`: a build unit per platform of each branch that needs one, run. */
export async function build(
  deps: Deps,
  filter: BuildFilter = {},
  signal?: AbortSignal,
): Promise<BuildSummary> {
  const { reused, skipped } = await queueBuilds(deps, filter);
  // Targets build side by side, as many at once as the daemon's builders (work.builders).
  const { c, units, deferred } = await runUnits(deps, ['build'], signal, deps.config.work.builders);
  // Listed as configured (they finish in any order): project, branch, then the project's platforms.
  const order = (b: { project: string; platform: string }) =>
    deps.config.projects[b.project]?.platforms.indexOf(b.platform) ?? 0;
  const built = [...c.builds].sort(
    (a, b) => a.project.localeCompare(b.project) || a.branch.localeCompare(b.branch) || order(a) - order(b),
  );
  return { builds: [...reused, ...built], skipped, units, deferred };
}

/** `publish`: every successful build published as a yum repository, then tested where its project
 * has checks (and promoted to stable when they pass). */
export async function publish(deps: Deps, signal?: AbortSignal): Promise<PublishSummary> {
  queuePublications(deps);
  const { c, units, deferred } = await runUnits(deps, ['publish', 'check'], signal);
  return { published: c.published, checked: c.checked, failed: units.map(fail), units, deferred };
}

/** `report`: the reports of series whose builds finished queued, then every effect delivered. */
export async function report(deps: Deps, signal?: AbortSignal): Promise<ReportSummary> {
  await queueBuildReports(deps);
  const { c, units, deferred } = await runUnits(deps, ['mail', 'forge'], signal);
  return { sent: c.deliveries.map(sent), failed: units.map(fail), units, deferred };
}

/** The main job: sync → build → publish → report, as the scheduled pipeline runs it. A stage whose
 * units fail does not stop the stages after it. */
export async function runStages(
  deps: Deps,
  options: IntakeOptions = {},
  signal?: AbortSignal,
): Promise<JobSummary> {
  const s = await sync(deps, options, signal);
  const b = await build(deps, {}, signal);
  const p = await publish(deps, signal);
  const r = await report(deps, signal);
  return { sync: s, build: b, publish: p, report: r };
}
