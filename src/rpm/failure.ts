/** Why a build failed: `infrastructure` (the machines, the network, the hub: retried with backoff)
 * or `patch` (the spec or the code: retrying cannot help). */
export type FailureClass = 'infrastructure' | 'patch';

export interface BuildFailure {
  readonly class: FailureClass;
  /** One sentence for reports. */
  readonly message: string;
  /** The lines of the logs that say what went wrong (at most MAX_ERROR_LINES). */
  readonly errorLines: readonly string[];
  /** The arch whose build failed; null when the failure is not an arch's (the SRPM, the hub). */
  readonly arch: string | null;
}

/** How a build ended, as far as its builder knows: `exit` — it ran and exited non-zero; the rest are
 * the infrastructure's (`hub-fault`: Koji fault 1014 or the hub unreachable; `builder-died`: the
 * build host vanished; `canceled`: canceled by the system; `sandbox-missing`: bwrap unusable). */
export type FailureCause =
  'exit' | 'timeout' | 'builder-died' | 'canceled' | 'hub-fault' | 'sandbox-missing' | 'network';

export interface FailureEvidence {
  readonly cause: FailureCause;
  /** What the builder said, used as the message when no log line is better. */
  readonly message: string;
  /** build.log (rpmbuild's output), whole or its tail. */
  readonly buildLog?: string | null;
  /** root.log (mock's / Koji's buildroot setup), whole or its tail. */
  readonly rootLog?: string | null;
  readonly arch?: string | null;
}

export const MAX_ERROR_LINES = 20;

/** Mirror and network trouble while the buildroot is set up: dnf/yum and mock wording as in Koji's
 * root.log (mock's `Failed to download`, dnf's `Curl error`, librepo's `No more mirrors to try`). */
const INFRASTRUCTURE_LINES: readonly RegExp[] = [
  /Curl error \(\d+\)/i,
  /No more mirrors to try/i,
  /Failed to download/i,
  /Cannot download/i,
  /Failed to synchronize cache/i,
  /Errors during downloading metadata/i,
  /Cannot retrieve repository metadata/i,
  /Could not resolve host/i,
  /Connection (?:timed out|refused|reset)/i,
  /Temporary failure in name resolution/i,
  /Status code: 5\d\d/i,
  /No space left on device/i,
];

/** Lines of a build log that say what broke: rpmbuild's `error:` lines and `Bad exit status`,
 * compiler diagnostics (`file.c:12:5: error: …`, `fatal error:`), make's `***` lines, linker errors. */
const ERROR_LINES: readonly RegExp[] = [
  /^\s*error: /i,
  /Bad exit status from/,
  /:\d+(?::\d+)?: (?:fatal )?error: /,
  /^\s*fatal error: /,
  /^make(?:\[\d+\])?: \*\*\*/,
  /undefined reference to /,
  /^\s*(?:\/usr\/bin\/)?ld: .*(?:cannot find|error)/,
  /^\s*Error: /,
];

/** The error lines of `log`, in order, each once, at most MAX_ERROR_LINES (the last ones, which are
 * nearest the failure, when there are more). */
export function errorLines(log: string | null | undefined): string[] {
  if (!log) return [];
  const seen = new Set<string>();
  for (const raw of log.split('\n')) {
    const line = raw.replace(/\r$/, '').trimEnd();
    if (ERROR_LINES.some((r) => r.test(line))) seen.add(line.trim());
  }
  return [...seen].slice(-MAX_ERROR_LINES);
}

function infrastructureLines(log: string | null | undefined): string[] {
  if (!log) return [];
  const lines = log.split('\n').map((l) => l.trim());
  return [...new Set(lines.filter((l) => INFRASTRUCTURE_LINES.some((r) => r.test(l))))].slice(
    -MAX_ERROR_LINES,
  );
}

/**
 * Classes a failed build. Infrastructure: every cause but `exit`; and an `exit` whose root.log shows
 * mirror or network trouble (the buildroot could not be made, so the package was never tried).
 * Patch: an `exit` otherwise — the spec or the code failed (errors in build.log, or BuildRequires
 * no repository provides). Rules after Copr's and Packit's split of "infra" and "build" failures.
 */
export function classifyFailure(e: FailureEvidence): BuildFailure {
  const arch = e.arch ?? null;
  const infra = infrastructureLines(e.rootLog);
  if (e.cause !== 'exit') {
    const lines = [...infra, ...errorLines(e.buildLog)].slice(-MAX_ERROR_LINES);
    return { class: 'infrastructure', message: e.message, errorLines: lines, arch };
  }
  if (infra.length > 0) {
    return {
      class: 'infrastructure',
      message: `the buildroot could not be made: ${infra[infra.length - 1]}`,
      errorLines: infra,
      arch,
    };
  }
  const lines = errorLines(e.buildLog);
  const rootErrors = lines.length === 0 ? errorLines(e.rootLog) : [];
  const all = lines.length > 0 ? lines : rootErrors;
  return { class: 'patch', message: all[all.length - 1] ?? e.message, errorLines: all, arch };
}

/** How reports name a failure's class: "patch", "infrastructure", "infrastructure, retried 2 times". */
export function failureLabel(cls: FailureClass, retries: number): string {
  if (cls === 'patch' || retries === 0) return cls;
  return `infrastructure, retried ${retries} time${retries === 1 ? '' : 's'}`;
}
