/** What the daemon shows about its state (the console, /metrics, /readyz, the daily summary): read
 * only, every query in one adapter (store/overview.ts), so that a renamed column is one edit. */

/** A series as the console lists it: what it is and what became of it. */
export interface SeriesRow {
  readonly id: string;
  readonly project: string;
  readonly branch: string;
  readonly version: number;
  readonly total: number;
  /** As the sender wrote it: untrusted text. */
  readonly title: string;
  readonly sender: string;
  readonly state: string;
  /** ISO 8601. */
  readonly firstSeen: string;
  readonly updatedAt: string;
  /** The merge request it was proposed as, when there is one. */
  readonly mergeRequestUrl: string | null;
}

export interface MergeRequestRow {
  readonly seriesId: string;
  readonly project: string;
  readonly number: number;
  readonly url: string;
  readonly state: string;
  readonly sourceBranch: string;
  readonly targetBranch: string;
  readonly title: string | null;
  readonly updatedAt: string;
}

/** A build of one commit of a branch for one target. */
export interface BuildRow {
  readonly id: number;
  readonly project: string;
  readonly branch: string;
  readonly commit: string;
  /** The target (platform) it was built for. */
  readonly target: string;
  readonly state: string;
  readonly startedAt: string;
  /** null while it runs. */
  readonly finishedAt: string | null;
  readonly logPath: string | null;
  readonly error: string | null;
}

/** A build unit asked for and not started yet (queued by the nightly run or the console). */
export interface QueuedBuildRow {
  readonly key: string;
  readonly project: string;
  readonly branch: string;
  readonly commit: string;
  readonly target: string;
  readonly state: string;
  readonly queuedAt: string;
}

/** The newest repository published for a project, branch and target. */
export interface PublicationRow {
  readonly project: string;
  readonly branch: string;
  readonly target: string;
  readonly commit: string;
  readonly url: string;
  readonly repoFileUrl: string | null;
  readonly publishedAt: string;
  /** The test stage of the build published (projects.<p>.tests): what it found, the testing
   * repository it was installed from, and the stable one once promoted; null when it was not tested. */
  readonly tests: {
    readonly state: 'passed' | 'failed' | 'not-installed' | 'not-run';
    readonly testingUrl: string;
    readonly stableUrl: string | null;
  } | null;
}

export interface DeadUnitRow {
  readonly key: string;
  readonly kind: string;
  readonly attempts: number;
  readonly code: string | null;
  readonly message: string | null;
  readonly updatedAt: string;
}

/** How many of each, now: the gauges of /metrics. */
export interface Counts {
  readonly mails: readonly { state: string; n: number }[];
  readonly series: readonly { state: string; n: number }[];
  readonly mergeRequests: readonly { state: string; n: number }[];
  readonly builds: readonly { target: string; state: string; n: number }[];
  /** Units of work by kind and state (done ones left out). */
  readonly units: readonly { kind: string; state: string; n: number }[];
}

export interface Overview {
  /** The newest `limit` series, most recently changed first. */
  recentSeries(limit: number): SeriesRow[];
  recentMergeRequests(limit: number): MergeRequestRow[];
  /** The newest `limit` builds, newest first. */
  recentBuilds(limit: number): BuildRow[];
  /** Build units not yet running or finished (pending, failed and waiting for a retry, running). */
  queuedBuilds(): QueuedBuildRow[];
  /** The newest publication of each project, branch and target. */
  publications(): PublicationRow[];
  deadUnits(limit: number): DeadUnitRow[];
  counts(): Counts;
  /** Series first seen and builds started at or after `since` (ISO 8601): the day's activity. */
  activitySince(since: string): { series: SeriesRow[]; builds: BuildRow[] };
  /** When the oldest unit that is due now (pending or failed, not_before passed) became due (ms since
   * the epoch), or null: how long the queue has kept work waiting. */
  oldestDue(now: number): number | null;
  /** Proves the database takes a write now (a write transaction begun and rolled back); throws
   * with why when it does not (read-only file, disk full, locked). */
  probeWrite(): void;
}
