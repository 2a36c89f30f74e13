import type { BuildFailure } from '../rpm/failure.ts';
import type { BuildTarget } from '../rpm/target.ts';

export type { BuildFailure, FailureClass } from '../rpm/failure.ts';
export type { BuildTarget } from '../rpm/target.ts';

/** A source RPM made once per commit (git tree at the spec's prefix → `rpmbuild -bs`), its spec's
 * Release already rewritten by the project's release policy; every target builds from it. */
export interface SourcePackage {
  /** Local path of the `.src.rpm`. */
  readonly path: string;
  readonly name: string;
  readonly version: string;
  /** Release without %{dist}, e.g. "1.42.20261129gitabc1234"; each target appends its own dist. */
  readonly release: string;
}

export interface SourceRequest {
  readonly project: string;
  /** URL or path of the project's repository (the mirror is fetched from it when it lacks `commit`). */
  readonly gitUrl: string;
  readonly commit: string;
  /** Path of the spec file in the repository, or a glob such as `*.spec` matching one file at its top. */
  readonly spec: string;
  /** `snapshot`: Release becomes `<spec release>.<commits reachable>.<YYYYMMDD>git<short sha>`
   * (src/rpm/release.ts); `spec`: the spec's own Release. */
  readonly release: 'snapshot' | 'spec';
  readonly signal?: AbortSignal;
}

/** Makes the SRPM of a commit; a second request for the same project and commit (in this process
 * or a later one with the same work directory) returns the first one's package. Throws a
 * PatchferryError: `srpm_*` with `retryable` false when the spec is broken (a patch failure),
 * true when the machine failed. */
export interface SourcePackager {
  make(request: SourceRequest): Promise<SourcePackage>;
}

export interface BuildRequest {
  readonly project: string;
  readonly branch: string;
  readonly commit: string;
  readonly target: BuildTarget;
  readonly srpm: SourcePackage;
  /** A build of an unmerged merge request: Koji builds it as a scratch build (never tagged). */
  readonly scratch: boolean;
  /** Local directory for results, logs and downloaded RPMs; one per attempt. */
  readonly outDir: string;
  /** Stops the build; the builder then rejects instead of returning a result. */
  readonly signal?: AbortSignal;
}

/** What one architecture of a target gave. `skipped`: the builder cannot build it (local rpmbuild
 * on another architecture), never faked; `reason` says why. */
export interface ArchBuild {
  readonly arch: string;
  readonly state: 'succeeded' | 'failed' | 'skipped';
  /** Local paths of the binary RPMs (noarch ones included under the arch that made them). */
  readonly rpms: readonly string[];
  /** Where its full log is: a local path, or a URL under Koji's topurl. */
  readonly log: string | null;
  readonly reason: string | null;
}

export interface BuildResult {
  readonly state: 'succeeded' | 'failed';
  /** One entry per arch of the target, in the target's order. */
  readonly arches: readonly ArchBuild[];
  /** The SRPM the target built from (local path; Koji's rebuilt one once downloaded). */
  readonly srpm: string;
  /** The main log (the first failed arch's, else the first arch's): path or URL. */
  readonly log: string | null;
  /** Set when state is failed. */
  readonly failure: BuildFailure | null;
  /** Koji's task id, for links; null locally. */
  readonly taskId: number | null;
}

/** `done`: finished; `pending`: the build runs elsewhere (a Koji task): store `handle` and call
 * `check` after about `pollMs`. */
export type BuildProgress =
  | { readonly done: BuildResult }
  | {
      readonly pending: {
        readonly handle: string;
        readonly pollMs: number;
        /** Koji's task id, recorded for links while the build runs; null when there is none. */
        readonly taskId: number | null;
      };
    };

/**
 * Builds a target (all its arches at once, as Koji does) from a source RPM. A build that runs
 * elsewhere answers `pending` with a handle the caller stores before waiting, so a restarted
 * process resumes with `check`, never submits again. A build whose package is at fault, or whose
 * infrastructure failed, is a `done` result with `state: 'failed'` and its failure class; a
 * rejection means the builder could not even ask (retried by the worker when `retryable`).
 */
export interface Builder {
  start(request: BuildRequest): Promise<BuildProgress>;
  /** The progress of a build `start` left pending; `request` is the one given to `start`. */
  check(handle: string, request: BuildRequest): Promise<BuildProgress>;
  /** Stops a pending build (timeout, shutdown when configured); nothing to do locally. */
  cancel(handle: string): Promise<void>;
  /** The last `lines` lines of a log a result named (path or URL); null when it is gone. */
  logTail(log: string, lines: number): Promise<string | null>;
}
