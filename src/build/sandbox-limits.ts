/** What one sandboxed command may use. Each is a per-process kernel limit (setrlimit, applied by
 * `prlimit` from util-linux in front of the command) except `diskMB`, watched from outside, and
 * `tmpMB`, the size of the private /tmp and /var/tmp (memory-backed). Defaults: config/schema.ts. */
export interface SandboxLimits {
  /** CPU seconds one process may use (RLIMIT_CPU); the run's timeout bounds the whole build. */
  readonly cpuSeconds: number;
  /** Address space of one process in MiB (RLIMIT_AS). */
  readonly memoryMB: number;
  /** Processes the build's user may have at once (RLIMIT_NPROC): stops a fork bomb. */
  readonly processes: number;
  /** Largest file one process may write, in MiB (RLIMIT_FSIZE). */
  readonly fileSizeMB: number;
  /** Disk space the build directory may take, in MiB; past it the build is stopped and fails. */
  readonly diskMB: number;
  /** Size of each of the private /tmp and /var/tmp, in MiB. */
  readonly tmpMB: number;
}

const MIB = 1024 * 1024;

/** `prlimit` arguments (soft = hard) for the limits; a core dump is never written. */
export function prlimitArgs(limits: SandboxLimits): string[] {
  return [
    `--cpu=${limits.cpuSeconds}`,
    `--as=${limits.memoryMB * MIB}`,
    `--nproc=${limits.processes}`,
    `--fsize=${limits.fileSizeMB * MIB}`,
    '--core=0',
  ];
}

/** setpriv's arguments that run what follows as `uid` (and group `uid`) with no groups and no
 * capabilities, inherited or in the bounding set: a build or check run by root never runs as root. */
export function dropToUid(uid: number): string[] {
  return [
    'setpriv',
    `--reuid=${uid}`,
    `--regid=${uid}`,
    '--clear-groups',
    '--inh-caps=-all',
    '--bounding-set=-all',
    '--',
  ];
}
