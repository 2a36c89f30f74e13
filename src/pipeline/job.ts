import type { Config } from '../config/schema.ts';
import type { Logger } from '../shared/log.ts';
import { build, type BuildSummary } from './build.ts';
import { createContext, type Context } from './context.ts';
import { publish, type PublishSummary } from './publish.ts';
import { queueBuildReports, sendReports, type ReportSummary } from './report.ts';
import { sync, type SyncOptions, type SyncSummary } from './sync.ts';

export interface JobSummary {
  readonly sync: SyncSummary;
  readonly build: BuildSummary;
  readonly publish: PublishSummary;
  readonly report: ReportSummary;
}

/** The main job: sync → build → publish → report, as the scheduled pipeline runs it. */
export function runJob(config: Config, log: Logger): Promise<JobSummary> {
  return withContext(config, log, (ctx) => runStages(ctx));
}

/** Every stage once, in order, on an open context. */
export async function runStages(ctx: Context, options: SyncOptions = {}): Promise<JobSummary> {
  const s = await sync(ctx, options);
  const b = await build(ctx);
  const p = await publish(ctx);
  const r = await report(ctx);
  return { sync: s, build: b, publish: p, report: r };
}

/** The report stage: queue what finished since the last run, then send everything queued. */
export async function report(ctx: Context): Promise<ReportSummary> {
  await queueBuildReports(ctx);
  return sendReports(ctx);
}

/** Runs one stage (or several) with a context that is closed afterwards, whatever happens. */
export async function withContext<T>(
  config: Config,
  log: Logger,
  work: (ctx: Context) => Promise<T>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<T> {
  const ctx = createContext(config, log, env);
  try {
    return await work(ctx);
  } finally {
    await Promise.all(ctx.sources.map((s) => s.close()));
    ctx.store.close();
  }
}

/** Whether anything in the job failed (a patch that did not apply, a build, a publication, a report). */
export function jobFailed(job: Partial<JobSummary>): boolean {
  return Boolean(
    (job.sync && job.sync.failed.length > 0) ||
    job.build?.builds.some((b) => !b.ok) ||
    (job.publish && job.publish.failed.length > 0) ||
    (job.report && job.report.failed.length > 0),
  );
}
