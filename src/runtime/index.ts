/** What entry points (cli/, server/, bin/) call: the stages, the daemon, the demo, the scan. */
import type { Config } from '../config/schema.ts';
import type { Logger } from '../shared/log.ts';
import { sourceForPath } from '../ingest/open-path.ts';
import { runStages, sync } from '../app/stages.ts';
import type { JobSummary, SyncSummary } from '../app/summaries.ts';
import { withContext, type Context } from './context.ts';

export { sync, build, publish, report, runStages } from '../app/stages.ts';
export {
  jobFailed,
  type JobSummary,
  type SyncSummary,
  type BuildSummary,
  type PublishSummary,
  type ReportSummary,
  type UnitProblem,
  type Deferred,
} from '../app/summaries.ts';
export type { BuildFilter } from '../app/build/build.ts';
export type { CheckOutcome } from '../app/check/check-unit.ts';
export { mergeRequestMerged, type MergedEvent } from '../app/propose/merges.ts';
export { routingTable } from '../app/series/routing.ts';
export { createContext, withContext, type Context } from './context.ts';
export { readPipelineEvent, describeSource } from '../app/ci/event.ts';
export { planBuilds } from '../app/ci/plan.ts';
export { ciBuild, ciPublish, ciReport, ciSync } from '../app/ci/jobs.ts';
import { FolderArtifacts } from '../store/pipeline-artifacts.ts';
import { lockDatabase } from '../store/lock.ts';
import type { PipelineArtifacts } from '../ports/pipeline-artifacts.ts';
import type { NotAppliedRecord } from '../ports/not-applied-record.ts';
import { FileNotAppliedRecord } from '../publish/not-applied-file.ts';

/** Where CI jobs keep the series they reported as not applying: the published tree. */
export function notAppliedRecord(config: Pick<Config, 'publisher'>): NotAppliedRecord {
  return new FileNotAppliedRecord({ root: config.publisher.root });
}

/** The artifacts folder a CI pipeline carries between its jobs. */
export function folderArtifacts(dir: string): PipelineArtifacts {
  return new FolderArtifacts(dir);
}

/**
 * Throws PatchferryError `database_busy` when another live patchferry works on the state database
 * at `path` (src/store/lock.ts); takes and gives back its lock otherwise. For a command about to
 * remove what such a process uses (the demo making its world again).
 */
export function assertDatabaseFree(path: string): void {
  lockDatabase(path)();
}

/** The main job once: sync → build → publish → report, with a context closed afterwards. */
export function runJob(config: Config, log: Logger): Promise<JobSummary> {
  return withContext(config, log, (ctx) => runStages(ctx));
}

/** `patchferry import`: files and archives go through the same path as live mail, each mail
 * recorded once by Message-ID whichever way it came. `signal` (Ctrl-C) stops it as it stops sync:
 * reading ends with the batch being recorded, and the summary is then `interrupted`. */
export function importFiles(
  ctx: Context,
  paths: readonly string[],
  signal?: AbortSignal,
): Promise<SyncSummary> {
  return sync(
    { ...ctx, sources: paths.map((path) => sourceForPath(path, ctx.log)) },
    { history: true },
    signal,
  );
}
