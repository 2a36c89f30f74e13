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
}

export type ApplyResult =
  | { readonly ok: true; readonly base: string; readonly head: string }
  | {
      readonly ok: false;
      readonly base: string;
      readonly failedPart: number;
      readonly failedSubject: string;
      /** Files git could not merge. */
      readonly conflicts: readonly string[];
      /** What git said. */
      readonly output: string;
    };

/** Applies series to repositories (direct mode pushes onto the target branch itself). */
export interface Applier {
  apply(request: ApplyRequest): Promise<ApplyResult>;
  /** Exports the tree of `commit` into `dest`, for builders that work from files. */
  exportTree(project: string, gitUrl: string, commit: string, dest: string): Promise<void>;
  /** The commit a branch points at now. */
  branchTip(project: string, gitUrl: string, branch: string): Promise<string>;
}
