/** The use cases entry points call; nothing else of pipeline/ is for them. */
export { runJob, runStages, report, withContext, jobFailed, type JobSummary } from './job.ts';
export { sync, importFiles, type SyncSummary } from './sync.ts';
export { build, type BuildFilter, type BuildSummary } from './build.ts';
export { publish, type PublishSummary } from './publish.ts';
export type { ReportSummary } from './report.ts';
export { runDemo, type DemoResult } from './demo.ts';
export { scan, type ScanDocument } from './scan.ts';
export { routingTable } from './routing.ts';
export { watch, type WatchOptions } from './watch.ts';
export { mergeRequestMerged, type MergedEvent } from './forge-events.ts';
