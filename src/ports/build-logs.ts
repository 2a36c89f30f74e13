/** One log file of a finished local build, as the builder left it on this machine. */
export interface LocalLog {
  /** The name it is served under, e.g. `build.x86_64.log`. */
  readonly name: string;
  readonly path: string;
}

export interface BuildLogsRequest {
  readonly project: string;
  readonly branch: string;
  readonly platform: string;
  /** The build's record id: several builds of one NVR (a retry, `build --all`) keep their own logs. */
  readonly buildId: number;
  /** name-version-release.dist of what the build made, or null when no SRPM was made. */
  readonly nvr: string | null;
  readonly logs: readonly LocalLog[];
  /** Directories of this machine a log may name (the build directory, the SRPM's, the work
   * directory), each with what the published copy says instead: a reader never sees host paths. */
  readonly hostPaths: readonly { readonly host: string; readonly shown: string }[];
}

/** Where each log of a build is served: URL by log name. */
export type PublishedLogs = ReadonlyMap<string, string>;

/**
 * Serves the full logs of local builds, failed ones included, beside the repositories (a Koji build's
 * logs are served by the hub already). Publishing the same build again replaces its logs; older
 * builds' logs leave by the publisher's retention. Rejects with a PatchferryError when the tree
 * cannot be written.
 */
export interface BuildLogs {
  publish(request: BuildLogsRequest): Promise<PublishedLogs>;
}
