/** One patch to apply: the raw mail as `git am` wants it, and trailers to fold into its commit. */
export interface PatchToApply {
  readonly part: number;
  readonly subject: string;
  readonly raw: Buffer;
  readonly trailers: readonly string[];
}

export interface ApplyRequest {
  readonly project: string;
  /** URL or path of the repository; the branch is read from and pushed back to it. */
  readonly gitUrl: string;
  readonly branch: string;
  /** Names the worktree, so concurrent series never share one. */
  readonly workName: string;
  readonly patches: readonly PatchToApply[];
  /** Where the commits go: by default onto `branch` itself (direct mode); in merge-request mode a
   * branch of the series' own, force-pushed so that every version of the series replaces the last. */
  readonly pushTo?: { readonly branch: string; readonly force: boolean };
  /** The commit the series says it is based on (`base-commit:`), used when the repository has it. */
  readonly baseCommit?: string | null;
  /** Commit dates taken from the patches (committer date = author date), so the same patches on the
   * same base give the same commit ids: applying a series again pushes nothing new. */
  readonly reproducible?: boolean;
  /** Keep the result in the mirror as refs/patchferry/<keepAs>, for range-diffs with later versions. */
  readonly keepAs?: string;
  /** Stops the application (git and what it started are killed): the unit is shut down. Nothing is
   * pushed once it fired; the unit applies the series again when it runs again. */
  readonly signal?: AbortSignal;
}

export type ApplyResult =
  | {
      readonly ok: true;
      readonly base: string;
      readonly head: string;
      /** Set when a `base-commit:` was given but could not be used, saying what was used instead. */
      readonly baseNote: string | null;
    }
  | {
      readonly ok: false;
      readonly base: string;
      readonly failedPart: number;
      readonly failedSubject: string;
      /** Files git could not merge. */
      readonly conflicts: readonly string[];
      /** The conflicting hunks as `git diff` shows them (with conflict markers), shortened. */
      readonly conflictDiff: string;
      /** What git said. */
      readonly output: string;
    };

export interface ApplyHooks {
  /** Called once the commits are made and before they are pushed: the caller notes `head` so that a
   * crash after the push is recognised on the next run (see `contains`). */
  readonly beforePush?: (base: string, head: string) => void;
}

/** Applies series to repositories (direct mode pushes onto the target branch itself). */
export interface Applier {
  apply(request: ApplyRequest, hooks?: ApplyHooks): Promise<ApplyResult>;
}

/** The code of the PatchferryError a Repository throws for a commit the repository does not have
 * (on no branch, nor given by its id): no retry brings it. */
export const UNKNOWN_COMMIT = 'git_unknown_commit';

/** A project's repository as patchferry reads it, through a local mirror fetched before each use.
 * `project` names the mirror; `gitUrl` is where the repository is fetched from. */
export interface Repository {
  /** Whether `commit` is on `branch` of the repository now (fetched, not from a stale mirror). */
  contains(project: string, gitUrl: string, branch: string, commit: string): Promise<boolean>;
  /** The commits of `branch` (fetched first) that carry the patches (raw mails) already, matched by
   * what they change (git patch-id), whatever their messages and dates: the parent of the first
   * and the last; null unless every patch with a diff is there. A series applied before (by an
   * earlier run with another database, or by hand) is found so. */
  appliedOn(
    project: string,
    gitUrl: string,
    branch: string,
    patches: readonly Buffer[],
  ): Promise<{ readonly base: string; readonly head: string } | null>;
  /** The patch id (mail/patch-id.ts, the one every parsed mail carries) of each of the newest
   * commits of `branch` (fetched first; merges left out; a bounded number, git/branch-patch-ids.ts),
   * to the oldest commit that carries it. Read once, it tells for many series whether their
   * patches are on the branch already, where appliedOn looks for one series. */
  branchPatchIds(project: string, gitUrl: string, branch: string): Promise<ReadonlyMap<string, string>>;
  /** The commit the `patches` commits a merge brought were applied on: for a merge commit, its
   * second parent's `patches`-th ancestor; for a fast-forward (one parent), its own. Null when
   * the history is shorter. Fetched first when the mirror lacks `merge`. */
  mergedBase(project: string, gitUrl: string, merge: string, patches: number): Promise<string | null>;
  /** Exports the tree of `commit` into `dest`, for builders that work from files. Fetched first
   * when the mirror lacks `commit`; throws the PatchferryError UNKNOWN_COMMIT (not retryable) when
   * the repository does not have it, as commitFacts does. */
  exportTree(project: string, gitUrl: string, commit: string, dest: string): Promise<void>;
  /** What a build's release is made of (src/rpm/release.ts): commits reachable from `commit`
   * (itself included), its committer date (ms), its full id. */
  commitFacts(
    project: string,
    gitUrl: string,
    commit: string,
  ): Promise<{ readonly count: number; readonly date: number; readonly sha: string }>;
  /** Whether the repository has `commit` (a full or abbreviated id), on a branch or, given by its
   * full id, on none (a merged-results pipeline's commit); fetched first. Throws a retryable error
   * when the repository cannot be reached. */
  hasCommit(project: string, gitUrl: string, commit: string): Promise<boolean>;
  /** The commit a branch points at now. */
  branchTip(project: string, gitUrl: string, branch: string): Promise<string>;
  /** `git range-diff` of two versions kept with `keepAs` (old and new name): what changed between them. */
  rangeDiff(project: string, gitUrl: string, oldName: string, newName: string): Promise<string>;
}
