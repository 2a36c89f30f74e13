import type { Authenticity } from '../trust/authenticity.ts';
import type { Overview } from './overview.ts';
import type { CheckResult } from './tester.ts';
import type { WorkQueue } from './work-queue.ts';

/** The state database: the fast index over what the mailbox, git, the forge and the published
 * repositories hold (docs/architecture.md, "State"). Adapters: store/ (SQLite). */
export interface Store {
  readonly mails: MailRecords;
  readonly series: SeriesRecords;
  readonly mergeRequests: MergeRequestRecords;
  readonly builds: BuildRecords;
  /** What the test stage found of each published build (projects.<p>.tests). */
  readonly checks: CheckRecords;
  readonly positions: PositionRecords;
  /** Held series a maintainer let through once (`patchferry release`). */
  readonly releases: ReleaseRecords;
  /** Units of work and the outbox of effects. */
  readonly work: WorkQueue;
  /** What the daemon shows: the console, /metrics, /readyz, the daily summary. */
  readonly overview: Overview;
  /** Runs `work` in one transaction: an outcome and the mails it finalises are recorded together.
   * Inside a transaction already, `work` joins it. */
  atomically<T>(work: () => T): T;
  close(): void;
}

// ---- mails ---------------------------------------------------------------------------------

export type MailState = 'new' | 'pending' | 'final' | 'quarantined';

/** A mail as first recorded: the raw bytes and where they came from. */
export interface NewMail {
  readonly messageId: string;
  readonly raw: Buffer;
  readonly source: string;
  readonly position: string;
  readonly subject: string;
  readonly sender: string;
  /** The Message-IDs the mail answers (In-Reply-To, References). */
  readonly thread?: readonly string[];
  /** What verifying it found (trust/authenticity.ts); null when nothing asked for it. */
  readonly authenticity?: Authenticity | null;
  /** It came in through a backfill (import, sync --since): history, not live mail. */
  readonly history?: boolean;
}

export interface MailRecord extends NewMail {
  /** When patchferry first recorded the mail (ISO 8601). */
  readonly receivedAt: string;
  readonly state: MailState;
  readonly outcome: string | null;
  readonly reason: string | null;
  readonly authenticity: Authenticity | null;
  readonly history: boolean;
}

/** A recorded mail without its bytes: what deciding about it needs once it is parsed. */
export type MailFacts = Omit<MailRecord, 'raw'>;

/** What became of a mail: its state, the outcome in words, why, and what kind of mail it is. */
export interface MailOutcome {
  readonly state: MailState;
  readonly outcome: string | null;
  readonly reason?: string | null;
  readonly kind?: string;
}

/** Mails by Message-ID: the first sight is recorded, any later sight of the same id changes nothing. */
export interface MailRecords {
  /** Records a mail; false when its Message-ID was already recorded. */
  record(mail: NewMail): boolean;
  /** Recorded mails that answer any of `ids` (replies, anywhere below them in the thread). */
  answering(ids: readonly string[]): MailRecord[];
  /** Recorded mails by Message-ID, in recording order. */
  many(ids: readonly string[]): MailRecord[];
  /** Mails whose outcome is not final yet: new ones and parts of series still waiting. */
  open(): MailRecord[];
  /** Mails of `source` whose outcome is final but whose mailbox does not say so yet. */
  unsettled(source: string): { messageId: string; position: string }[];
  /** A mail seen again by the source that first delivered it, at another position. */
  relocate(messageId: string, source: string, position: string): void;
  markSettled(messageIds: readonly string[]): void;
  get(messageId: string): MailRecord | undefined;
  all(): MailRecord[];
  /** When the first mail of `source` was recorded (ISO 8601): when patchferry began reading it. */
  firstReceived(source: string): string | null;
  setState(messageId: string, outcome: MailOutcome): void;
  /** Replaces the verdict of a mail verified again (a temporary one: app/intake/recheck.ts). */
  setAuthenticity(messageId: string, authenticity: Authenticity): void;
  /** The mails `open()` returns without their bytes, each with the Message-IDs it answers: what
   * intake decides from which of them it must read again. */
  openHeads(): OpenMailHead[];
  /** How many mails from `sender` were recorded in the last `seconds`. */
  countFrom(sender: string, seconds: number): number;
  /** A second mail under a recorded Message-ID whose content differs; false when this one was
   * recorded already. */
  recordDuplicate(d: DuplicateMail): boolean;
  duplicates(messageId: string): DuplicateMail[];
}

export interface OpenMailHead {
  readonly messageId: string;
  readonly sender: string;
  readonly receivedAt: string;
  readonly state: 'new' | 'pending';
  readonly answers: readonly string[];
}

export interface DuplicateMail {
  readonly messageId: string;
  /** SHA-256 (hex) of the content of the mail recorded first, and of this one. */
  readonly firstSha256: string;
  readonly otherSha256: string;
  readonly source: string;
  readonly position: string;
}

// ---- series --------------------------------------------------------------------------------

export type SeriesState = 'incomplete' | 'complete' | 'applied' | 'failed' | 'superseded';

export interface SeriesRecord {
  readonly id: string;
  readonly project: string;
  readonly branch: string;
  readonly version: number;
  readonly total: number;
  readonly title: string;
  readonly sender: string;
  readonly state: SeriesState;
  readonly supersedes: string | null;
  /** b4's topic id, shared by every version of the series. */
  readonly changeId: string | null;
  /** What the patches change, once complete (series/fingerprint.ts). */
  readonly fingerprint: string | null;
  /** Message-IDs of the patches, by part. */
  readonly patches: ReadonlyMap<number, string>;
}

export interface PushRecord {
  readonly seriesId: string;
  readonly project: string;
  readonly branch: string;
  readonly base: string;
  readonly head: string;
}

export interface ApplicationRecord {
  readonly seriesId: string;
  readonly project: string;
  readonly branch: string;
  readonly state: 'applied' | 'failed';
  readonly baseCommit: string | null;
  readonly headCommit: string | null;
  readonly failedPart: number | null;
  /** The merge request the application came from (merge-request mode), else null. */
  readonly mergeRequest: string | null;
  readonly createdAt: string;
  /** The branch tip whose build contains this series, once built. */
  readonly buildCommit: string | null;
}

/** Series, their parts and what happened when they were applied. */
export interface SeriesRecords {
  save(series: SeriesRecord): void;
  setState(id: string, state: SeriesState): void;
  /** The recorded series a mail belongs to, as its cover letter (the series id) or one of its parts. */
  containing(messageId: string): SeriesRecord | undefined;
  get(id: string): SeriesRecord | undefined;
  /** Incomplete series some of whose parts still wait (pending mails): how many parts each has. */
  waiting(): { id: string; have: number; total: number }[];
  /** Recorded series whose id, patches, change-id, or sender and title could make them an earlier
   * version of `q` (the rule itself is series/versions.ts's; this only finds the candidates). */
  versionCandidates(q: {
    readonly id: string;
    readonly pointsAt: readonly string[];
    readonly sender: string;
    readonly title: string;
    readonly changeId: string | null;
  }): SeriesRecord[];
  /** Another series with the same changes already applied to the same branch. */
  appliedTwin(fingerprint: string, project: string, branch: string, exceptId: string): string | null;
  /** Applied series whose branch was built (build_commit set) and whose build report
   * (`series:<id>:built:<commit>`) was not queued yet: those whose report may be due. */
  awaitingReport(): { series: SeriesRecord; application: ApplicationRecord }[];
  /** Notes that `head` is about to be pushed for a series, before the push. */
  recordPush(push: PushRecord): void;
  /** A push noted for the series but never followed by its application record. */
  pushInFlight(seriesId: string): PushRecord | undefined;
  /** Records the outcome of applying a series; any push noted for it is settled by this. */
  recordApplication(app: Omit<ApplicationRecord, 'createdAt' | 'buildCommit'>): void;
  /** Series applied to a branch since its last build are contained in the build of `commit`. */
  markBuilt(project: string, branch: string, commit: string): void;
  /** Series proposed as merge requests whose latest application is in the build of `commit` of
   * the branch: those whose status note a build of it moves. */
  proposedInBuild(project: string, branch: string, commit: string): string[];
  /** (project, branch) pairs with applied series no build has picked up yet. */
  unbuiltBranches(): { project: string; branch: string }[];
  /** The latest attempt to apply a series, if any. */
  application(seriesId: string): ApplicationRecord | undefined;
}

// ---- merge requests ------------------------------------------------------------------------

/** The merge request a series was proposed as. The forge holds the truth (the MR is found again by
 * its source branch); this is the index that spares asking it. */
export interface MergeRequestRecord {
  readonly seriesId: string;
  readonly forge: string;
  readonly project: string;
  readonly sourceBranch: string;
  readonly targetBranch: string;
  readonly url: string;
  readonly number: number;
  readonly state: 'open' | 'closed' | 'merged';
  /** The range last pushed to the source branch for this series. */
  readonly base: string | null;
  readonly head: string | null;
}

export interface MergeRequestRecords {
  save(mr: MergeRequestRecord): void;
  get(seriesId: string): MergeRequestRecord | undefined;
  /** The live record of an MR by its number (the newest series proposed in it). */
  byNumber(project: string, number: number): MergeRequestRecord | undefined;
  /** Every series whose MR was open when last seen. */
  open(): MergeRequestRecord[];
  /** Gives `sourceBranch` to the series unless another series has it (`from`, an earlier version
   * of the series, hands it over); true when it is the series' now (also when it was before). */
  reserveBranch(project: string, sourceBranch: string, seriesId: string, from?: string): boolean;
  /** The source branch reserved for the series, if any. */
  reservedBranch(seriesId: string): string | undefined;
  setState(seriesId: string, state: MergeRequestRecord['state']): void;
  /** Moves the record from `from` to `to` unless something else moved it first; true when this call
   * did (so a merge seen by a webhook and by a poll at once is recorded once). */
  transition(seriesId: string, from: MergeRequestRecord['state'], to: MergeRequestRecord['state']): boolean;
}

// ---- builds --------------------------------------------------------------------------------

export interface BuildKey {
  readonly project: string;
  readonly branch: string;
  readonly commit: string;
  readonly platform: string;
  /** The target's arches as reports show them ("x86_64 ppc64le"); `archBuilds` says what each gave. */
  readonly arch: string;
  /** A scratch build of a merge request's head: reported on the merge request, never published. */
  readonly scratch?: boolean;
}

/** What one arch of a build gave (see ArchBuild in ports/builder.ts). */
export interface ArchBuildRecord {
  readonly arch: string;
  readonly state: 'succeeded' | 'failed' | 'skipped';
  readonly rpms: readonly string[];
  readonly log: string | null;
  readonly reason: string | null;
}

export interface BuildOutcomeRecord {
  readonly state: 'succeeded' | 'failed';
  /** The main log: a path or a URL. */
  readonly logPath: string | null;
  /** Where a local build's main log is served (ports/build-logs.ts); null for a Koji build. */
  readonly logUrl?: string | null;
  /** Every RPM, binary and source, as local paths (what publishing takes). */
  readonly rpms: readonly string[];
  readonly error: string | null;
  readonly archBuilds?: readonly ArchBuildRecord[];
  readonly srpm?: string | null;
  /** Release without %{dist} the SRPM was made with. */
  readonly release?: string | null;
  readonly failureClass?: 'infrastructure' | 'patch' | null;
  readonly errorLines?: readonly string[];
  /** Infrastructure failures retried before this outcome. */
  readonly retries?: number;
  readonly taskId?: number | null;
}

export interface BuildRecord extends BuildKey {
  readonly id: number;
  readonly state: 'running' | 'succeeded' | 'failed';
  readonly logPath: string | null;
  /** Where a local build's main log is served; null for a Koji build (logPath is its URL). */
  readonly logUrl: string | null;
  readonly rpms: readonly string[];
  readonly error: string | null;
  readonly createdAt: string;
  /** Where the build's repository is served, once published. */
  readonly publishedUrl: string | null;
  /** The .repo file for the platform, once published. */
  readonly repoFileUrl: string | null;
  readonly scratch: boolean;
  readonly archBuilds: readonly ArchBuildRecord[];
  readonly srpm: string | null;
  readonly release: string | null;
  readonly failureClass: 'infrastructure' | 'patch' | null;
  readonly errorLines: readonly string[];
  readonly retries: number;
  readonly taskId: number | null;
}

/** Builds keyed by (project, branch, commit, platform), so a retried job never builds twice. */
export interface BuildRecords {
  /** The build of this key, started now if none succeeded before. */
  start(key: BuildKey): BuildRecord;
  find(key: Omit<BuildKey, 'arch' | 'scratch'>): BuildRecord | undefined;
  get(id: number): BuildRecord | undefined;
  finish(id: number, outcome: BuildOutcomeRecord): void;
  /** Koji's task id, stored before the build is waited on (links in reports while it runs). */
  recordTask(id: number, taskId: number): void;
  /** Succeeded builds (not scratch) that no repository serves yet. */
  unpublished(): BuildRecord[];
  recordPublication(buildId: number, publication: { path: string; url: string; repoFileUrl: string }): void;
  /** Builds of a branch at one commit, one per platform. */
  forCommit(project: string, branch: string, commit: string): BuildRecord[];
  /** The most recently published build of the branch on each platform: what it may publish next. */
  lastPublished(project: string, branch: string): BuildRecord[];
}

// ---- the test stage --------------------------------------------------------------------------

/** What testing a published build found: `passed` (every check passed; promoted to stable once
 * `stableUrl` is set), `failed` (a check failed: it stays in testing), `not-installed` (dnf could not
 * install it; `tail` says why), `not-run` (this machine cannot run the target's packages; `tail`
 * says why). */
export interface BuildChecksRecord {
  readonly buildId: number;
  readonly state: 'passed' | 'failed' | 'not-installed' | 'not-run';
  /** The testing repository the build was installed from. */
  readonly testingUrl: string;
  /** The stable repository once the build was promoted to it. */
  readonly stableUrl: string | null;
  /** The exact NEVRAs installed. */
  readonly packages: readonly string[];
  readonly checks: readonly CheckResult[];
  readonly tail: string | null;
}

export interface CheckRecords {
  /** Records what testing a build found (again: a run killed before promoting checks again). */
  record(result: Omit<BuildChecksRecord, 'stableUrl'>): void;
  /** The build was promoted: its packages are in the stable repository at this URL. */
  recordPromotion(buildId: number, stableUrl: string): void;
  get(buildId: number): BuildChecksRecord | undefined;
}

// ---- sources -------------------------------------------------------------------------------

/** A maintainer's one-off release of a held series: who let it through, and when (ISO 8601). */
export interface SeriesRelease {
  readonly messageId: string;
  readonly by: string;
  readonly at: string;
}

/** Releases of held series, by the Message-ID a maintainer named (the series' or one of its mails'). */
export interface ReleaseRecords {
  /** Records a release; false when that mail was released already (the first release stays). */
  release(r: SeriesRelease): boolean;
  /** The release naming any of `ids` (the mails of one series), if one does. */
  among(ids: readonly string[]): SeriesRelease | undefined;
}

/** How far each mail source has been read; moved only after the mails before it are recorded. */
export interface PositionRecords {
  get(source: string): string | null;
  set(source: string, position: string): void;
}
