import type { UnitKind, WorkQueue } from '../ports/work-queue.ts';
import type { DrainSummary } from '../work/worker.ts';
import type { SeriesOutcome } from './apply/apply.ts';
import type { BuildOutcome, SkippedBranch } from './build/build.ts';
import { nothingTaken, type IntakeSummary } from './intake/intake.ts';
import type { Proposal } from './propose/merge-request-effect.ts';
import type { detectMerges, Merge } from './propose/merges.ts';
import type { CheckOutcome } from './check/check-unit.ts';
import type { PublishOutcome } from './publish/publish.ts';
import type { Delivery } from './report/deliver.ts';

/** What each stage's run did, for the CLI's output, the daemon's rounds and the exit status: built
 * from the outcomes the unit handlers collect and the worker's drain. */

/** A unit of a stage that failed: retried later (`retryAt`), or dead (null). */
export interface UnitProblem {
  readonly key: string;
  readonly kind: UnitKind;
  readonly code: string;
  readonly error: string;
  /** ISO 8601; null for a unit that is dead. */
  readonly retryAt: string | null;
}

/** Units of a stage that failed in an earlier run and wait for their retry, which was not due in
 * this run: how many, and when the first of them is tried again. */
export interface Deferred {
  readonly count: number;
  /** ISO 8601. */
  readonly next: string;
  /** The first of them (by due time): its key and last error. */
  readonly first: { readonly key: string; readonly error: string };
}

/** A series that did not apply: at which patch, and git's words. */
export interface NotApplied {
  readonly series: string;
  readonly project: string;
  readonly branch: string;
  readonly part: number;
  readonly reason: string;
}

export interface SyncSummary extends Omit<IntakeSummary, 'resends'> {
  readonly applied: readonly { series: string; project: string; branch: string; head: string }[];
  /** Direct mode: series found on their branch already, applied before (by a run with another
   * database, or by hand); `head` is the commit of their last patch. */
  readonly already: readonly { series: string; project: string; branch: string; head: string }[];
  readonly failed: readonly NotApplied[];
  /** `ci sync`: series that did not apply, as an earlier job reported already (ports/
   * not-applied-record.ts): listed, not failing the job again. */
  readonly failedBefore?: readonly NotApplied[];
  readonly resends: readonly { series: string; of: string }[];
  /** Merge-request mode: series opened or updated as merge requests. */
  readonly proposed: readonly Proposal[];
  /** Merge-request mode: merge requests found merged (their target branches are built next). */
  readonly merged: readonly Merge[];
  /** Merge-request mode: merge requests the forge did not answer for (asked again next time). */
  readonly unchecked: readonly { url: string; error: string }[];
  readonly units: readonly UnitProblem[];
  /** Units waiting for a retry not due in this run; absent or null when none waits. */
  readonly deferred?: Deferred | null;
}

export interface BuildSummary {
  readonly builds: readonly BuildOutcome[];
  /** Branches whose tip could not be read: built by the next run. */
  readonly skipped: readonly SkippedBranch[];
  readonly units: readonly UnitProblem[];
  /** Units waiting for a retry not due in this run; absent or null when none waits. */
  readonly deferred?: Deferred | null;
}

export interface PublishSummary {
  readonly published: readonly PublishOutcome[];
  /** Builds the test stage tested (projects.<p>.tests); absent where nothing tests. */
  readonly checked?: readonly CheckOutcome[];
  /** Publications that failed (retried later, or dead). */
  readonly failed: readonly { key: string; error: string }[];
  readonly units: readonly UnitProblem[];
  /** Units waiting for a retry not due in this run; absent or null when none waits. */
  readonly deferred?: Deferred | null;
}

export interface ReportSummary {
  readonly sent: readonly { key: string; subject: string; to: readonly string[]; body: string }[];
  readonly failed: readonly { key: string; error: string }[];
  readonly units: readonly UnitProblem[];
  /** Units waiting for a retry not due in this run; absent or null when none waits. */
  readonly deferred?: Deferred | null;
}

export interface JobSummary {
  readonly sync: SyncSummary;
  readonly build: BuildSummary;
  readonly publish: PublishSummary;
  readonly report: ReportSummary;
}

/** What collects the outcomes of the units one drain runs. */
export interface Collected {
  readonly series: SeriesOutcome[];
  readonly builds: BuildOutcome[];
  readonly published: PublishOutcome[];
  readonly checked: CheckOutcome[];
  readonly deliveries: Delivery[];
}

/** What intake found, with what the look at the forge found. */
export type Taken = IntakeSummary & Awaited<ReturnType<typeof detectMerges>>;

/** The sync part of a summary: what intake found and what the units of a drain did with it. */
export function syncSummary(taken: Taken, c: Collected, units: readonly UnitProblem[]): SyncSummary {
  const of = <T extends SeriesOutcome['type']>(type: T) =>
    c.series.filter((o): o is Extract<SeriesOutcome, { type: T }> => o.type === type);
  return {
    ...taken,
    applied: of('applied').map(({ series, project, branch, head }) => ({ series, project, branch, head })),
    already: [
      ...taken.already,
      ...of('already').map(({ series, project, branch, head }) => ({ series, project, branch, head })),
    ],
    failed: of('failed').map(({ series, project, branch, part, reason }) => ({
      series,
      project,
      branch,
      part,
      reason,
    })),
    resends: [...taken.resends, ...of('resend').map(({ series, of: earlier }) => ({ series, of: earlier }))],
    proposed: c.deliveries.flatMap((d) => (d.type === 'forge' && d.proposal ? [d.proposal] : [])),
    units,
  };
}

const NOTHING_TAKEN: Taken = { ...nothingTaken(), merged: [], unchecked: [] };
/** The daemon's side of the stages: what intake found (`taken`, when it ran) or what one drain of
 * every kind of unit did, as one summary. */
export function roundSummary(
  round:
    | { taken: Taken }
    | {
        c: Collected;
        drained: DrainSummary;
        queued: { reused: readonly BuildOutcome[]; skipped: readonly SkippedBranch[] };
      },
): JobSummary {
  if ('taken' in round) {
    const none: Collected = collector();
    return {
      sync: syncSummary(round.taken, none, []),
      build: { builds: [], skipped: [], units: [] },
      publish: { published: [], failed: [], units: [] },
      report: { sent: [], failed: [], units: [] },
    };
  }
  const { c } = round;
  const units = problems(round.drained);
  const kind = (...k: UnitKind[]) => units.filter((u) => k.includes(u.kind));
  return {
    sync: syncSummary(NOTHING_TAKEN, c, kind('series')),
    build: {
      builds: [...round.queued.reused, ...c.builds],
      skipped: round.queued.skipped,
      units: kind('build'),
    },
    publish: {
      published: c.published,
      checked: c.checked,
      failed: kind('publish', 'check').map(fail),
      units: kind('publish', 'check'),
    },
    report: {
      sent: c.deliveries.map(sent),
      failed: kind('mail', 'forge').map(fail),
      units: kind('mail', 'forge'),
    },
  };
}

/** Whether anything in the job failed (a patch that did not apply, a build, a publication, a report,
 * a unit retried later or dead). */
export function jobFailed(job: Partial<JobSummary>): boolean {
  return Boolean(
    (job.sync && job.sync.failed.length + job.sync.units.length + job.sync.unchecked.length > 0) ||
    job.build?.builds.some((b) => !b.ok) ||
    (job.build && job.build.units.length + job.build.skipped.length > 0) ||
    (job.publish && job.publish.failed.length > 0) ||
    (job.report && job.report.failed.length > 0),
  );
}

export function sent(d: Delivery): ReportSummary['sent'][number] {
  return d.type === 'mail'
    ? { key: d.key, subject: d.subject, to: d.to, body: d.body }
    : { key: d.key, subject: d.what, to: [], body: '' };
}

export function fail(u: UnitProblem): { key: string; error: string } {
  return { key: u.key, error: u.error };
}

export function problems(d: DrainSummary): UnitProblem[] {
  return [
    ...d.retrying.map((u) => ({
      key: u.key,
      kind: u.kind,
      code: u.error.code,
      error: u.error.message,
      retryAt: new Date(u.retryAt).toISOString(),
    })),
    ...d.dead.map((u) => ({
      key: u.key,
      kind: u.kind,
      code: u.error.code,
      error: u.error.message,
      retryAt: null,
    })),
  ];
}

/** The units of `kinds` that failed before this run and still wait for their retry (`ran`: the
 * keys this run tried, whose failures the summary lists already); null when none. */
export function deferred(
  queue: WorkQueue,
  kinds: readonly UnitKind[],
  ran: ReadonlySet<string>,
): Deferred | null {
  const waiting = queue
    .list('failed', kinds)
    .filter((u) => !ran.has(u.key))
    .sort((a, b) => a.notBefore - b.notBefore);
  const first = waiting[0];
  if (!first) return null;
  return {
    count: waiting.length,
    next: new Date(first.notBefore).toISOString(),
    first: { key: first.key, error: first.error?.message ?? '' },
  };
}

/** Empty arrays for the handlers of one drain to collect their outcomes in. */
export function collector(): Collected {
  return { series: [], builds: [], published: [], checked: [], deliveries: [] };
}
