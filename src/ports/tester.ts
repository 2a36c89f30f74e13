/** One of a project's checks (`projects.<p>.tests`): a command run in the root the build was
 * installed into. */
export interface CheckSpec {
  readonly name: string;
  /** The program and its arguments, as seen inside the root (`["hello", "--version"]`). */
  readonly run: readonly string[];
  /** Milliseconds the check may take; it is killed past them and counts as failed. */
  readonly timeoutMs: number;
}

export interface CheckResult {
  readonly name: string;
  readonly passed: boolean;
  /** Why it failed in words ("exit 2", "timed out after 30 s"); null when it passed. */
  readonly failure: string | null;
  /** The last lines of what the check wrote (stdout and stderr, interleaved). */
  readonly tail: string;
  readonly seconds: number;
}

/** A yum repository the root is installed from. */
export interface InstallRepo {
  /** dnf's repository id. */
  readonly id: string;
  /** `http(s)://…` or `file:///…`, the directory holding `repodata/`. */
  readonly baseurl: string;
}

export interface SmokeRequest {
  /** The build's RPMs (binary and source); the binary ones are installed, by their exact NEVRA. */
  readonly rpms: readonly string[];
  /** The repository the build was just published to, then the platform's base repositories. */
  readonly repos: readonly InstallRepo[];
  /** dnf's $releasever in the root; the host's when null. */
  readonly releasever: string | null;
  readonly checks: readonly CheckSpec[];
  readonly signal?: AbortSignal;
}

/** What testing a build found: it did not install (dnf's words), or each check's result in order. */
export type SmokeResult =
  | { readonly installed: false; readonly tail: string }
  | {
      readonly installed: true;
      readonly packages: readonly string[];
      readonly checks: readonly CheckResult[];
    };

/**
 * Installs a published build into a throwaway root and runs a project's checks there, confined (no
 * network, a time limit). A package that does not install or a check that fails is a result, not an
 * error; errors are the machine's (dnf missing, a repository that does not answer: retryable).
 */
export interface Tester {
  /** The RPM architecture of the roots it makes (this machine's: `x86_64`, `aarch64`): a target's
   * packages of another arch cannot be installed and run here. */
  readonly arch: string;
  test(request: SmokeRequest): Promise<SmokeResult>;
}
