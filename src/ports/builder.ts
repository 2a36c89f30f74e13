export interface BuildPlatform {
  readonly name: string;
  /** %{dist}, e.g. ".el9". */
  readonly dist: string;
  readonly arch: string;
  readonly kojiTarget?: string;
}

export interface BuildRequest {
  readonly project: string;
  readonly branch: string;
  readonly commit: string;
  readonly platform: BuildPlatform;
  /** Path of the spec file in the repository, or a glob such as `*.spec` matching one file at its top. */
  readonly spec: string;
  /** The repository's tree at `commit`, exported to a directory (local builders work from it). */
  readonly tree: string;
  /** Where results and the log go. */
  readonly outDir: string;
  /** Stops the build; the builder then rejects instead of returning a result. */
  readonly signal?: AbortSignal;
}

export type BuildResult =
  | {
      readonly ok: true;
      readonly rpms: readonly string[];
      readonly srpm: string | null;
      readonly logPath: string;
    }
  | { readonly ok: false; readonly error: string; readonly logPath: string | null };

/** Builds RPMs of one commit for one platform. */
export interface Builder {
  build(request: BuildRequest): Promise<BuildResult>;
  /** The last `lines` lines of a build's log (`logPath` as a result gave it); null when it is gone. */
  logTail(logPath: string, lines: number): Promise<string | null>;
}
