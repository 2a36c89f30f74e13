import { lstat, readlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { ToolError, errorMessage } from '../shared/errors.ts';
import { runTool, type RunResult } from '../shared/run.ts';
import { watchDisk, type DiskWatch } from './disk-watch.ts';
import { dropToUid, prlimitArgs, type SandboxLimits } from './sandbox-limits.ts';
import { sandboxUnavailable } from './sandbox-probe.ts';

/** A host directory the sandboxed command sees, at `inside` (bwrap) or at its own path (none). */
export interface SandboxMount {
  readonly host: string;
  readonly inside: string;
  /** Only the build's own directory is; everything else the command sees is read-only. */
  readonly writable?: boolean;
}

export interface SandboxRunOptions {
  readonly mounts: readonly SandboxMount[];
  /** Working directory as the command sees it; the first mount when absent. */
  readonly cwd?: string;
  readonly signal?: AbortSignal;
  /** The run's time limit (runTool's): the sandbox and everything in it are killed past it. */
  readonly timeoutMs?: number;
  readonly label?: string;
  /** Bytes of output kept (runTool's keepBytes): a build keeps its whole log. */
  readonly keepBytes?: number;
}

/** Runs the code a spec brings (its macros, %build, Makefiles): untrusted. */
export interface Sandbox {
  readonly kind: 'bwrap' | 'none';
  /** Where the command sees `mount`: paths in its arguments must be these. */
  path(mount: SandboxMount): string;
  /** Runs `command` confined; its ToolError is the command's own (`rpmbuild_failed`, `rpmbuild_timeout`).
   * Throws SandboxUnavailableError when the host cannot run the sandbox. */
  run(command: string, args: readonly string[], opts: SandboxRunOptions): Promise<RunResult>;
}

export interface SandboxOptions {
  readonly kind: 'bwrap' | 'none';
  readonly limits: SandboxLimits;
  /** How often the build directory's size is measured; 2 s when absent. */
  readonly diskCheckMs?: number;
  /** The bwrap program; `bwrap` from /usr/bin or /bin when absent. */
  readonly bwrap?: string;
}

/** The build went past a limit the sandbox watches from outside (its disk use): the package's doing,
 * like an exit, so classed as the patch's and not retried. */
export class SandboxLimitError extends ToolError {}

/** nobody, inside a user namespace: the build owns nothing on the host but its own directory. */
const BUILD_UID = 65534;
/** Run as root (no user namespace), each build gets a uid of its own that no account uses, so that
 * RLIMIT_NPROC, counted per real uid, bounds this build alone: a fork bomb in one build must not
 * starve another build, nor anything that runs as nobody. From this process's id, so that several
 * patchferry processes on one host do not share them either. */
const ROOT_BUILD_UIDS = 2_100_000_000;

function buildUid(slot: number): number {
  return ROOT_BUILD_UIDS + (process.pid % 1_000_000) * 64 + (slot % 64);
}
const PATH = '/usr/bin:/bin:/usr/sbin:/sbin';
const MIB = 1024 * 1024;
/** The system the build sees, read-only: programs, libraries, configuration, the RPM database. Not
 * /home, /root, /srv, /var, /run, /opt or /tmp, where secrets, keys and other builds live. */
const SYSTEM_PATHS = ['/usr', '/etc', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/var/lib/rpm'];

export function createSandbox(opts: SandboxOptions): Sandbox {
  return opts.kind === 'bwrap' ? new BwrapSandbox(opts) : new UnconfinedRun(opts);
}

/**
 * bubblewrap: new mount, PID, network, IPC and UTS namespaces; a root of its own holding the
 * system read-only, private /tmp and /var/tmp, and the mounts; an unprivileged uid with no
 * capabilities; an environment of PATH, HOME and LANG only; prlimit's limits. Run as root, bwrap
 * makes no user namespace (inside one, root's files would look like the build's own: /etc/shadow
 * readable) and `setpriv` drops to a uid of the build's own for real; otherwise a user namespace
 * maps 65534 to the caller.
 */
class BwrapSandbox implements Sandbox {
  readonly kind = 'bwrap';
  readonly #opts: SandboxOptions;
  readonly #root = process.getuid?.() === 0;
  readonly #bwrap: string;
  #system: Promise<string[]> | null = null;
  #probed: Promise<void> | null = null;
  /** Slots of the runs going on now, each a uid of its own when run as root. */
  readonly #slots = new Set<number>();

  constructor(opts: SandboxOptions) {
    this.#opts = opts;
    this.#bwrap = opts.bwrap ?? 'bwrap';
  }

  path(mount: SandboxMount): string {
    return mount.inside;
  }

  async run(command: string, args: readonly string[], opts: SandboxRunOptions): Promise<RunResult> {
    await this.#probe();
    let slot = 0;
    while (this.#slots.has(slot)) slot++;
    this.#slots.add(slot);
    try {
      const uid = this.#root ? buildUid(slot) : BUILD_UID;
      if (this.#root)
        for (const m of opts.mounts.filter((m) => m.writable))
          await runTool('chown', ['-R', `${uid}:${uid}`, m.host]);
      return await confined(command, args, opts, this.#opts, async () => [
        this.#bwrap,
        ...(await this.#bwrapArgs(opts, uid)),
      ]);
    } finally {
      this.#slots.delete(slot);
    }
  }

  async #bwrapArgs(opts: SandboxRunOptions, uid: number): Promise<string[]> {
    const tmp = ['--perms', '1777', '--size', String(this.#opts.limits.tmpMB * MIB)];
    const namespaces = this.#root
      ? ['--unshare-ipc', '--unshare-pid', '--unshare-net', '--unshare-uts', '--unshare-cgroup-try']
      : ['--unshare-all', '--uid', String(BUILD_UID), '--gid', String(BUILD_UID)];
    return [
      ...namespaces,
      ...(this.#root ? ['--cap-add', 'CAP_SETUID,CAP_SETGID'] : []),
      '--die-with-parent',
      '--new-session',
      // Parents bwrap makes for mount points are private (0700): /var must be seen by the build.
      ...['--perms', '0755', '--dir', '/var'],
      ...(await this.#systemArgs()),
      ...['--dev', '/dev', '--proc', '/proc'],
      ...[...tmp, '--tmpfs', '/tmp', ...tmp, '--tmpfs', '/var/tmp'],
      ...opts.mounts.flatMap((m) => [m.writable ? '--bind' : '--ro-bind', m.host, m.inside]),
      ...['--chdir', opts.cwd ?? opts.mounts[0]?.inside ?? '/tmp'],
      '--',
      ...(this.#root ? dropToUid(uid) : []),
    ];
  }

  /** Merged-/usr hosts have /bin → usr/bin: the links are made again, the directories bound. */
  #systemArgs(): Promise<string[]> {
    this.#system ??= Promise.all(
      SYSTEM_PATHS.map(async (path) => {
        const stat = await lstat(path).catch(() => null);
        if (!stat) return [];
        if (stat.isSymbolicLink()) return ['--symlink', await readlink(path), path];
        return stat.isDirectory() ? ['--ro-bind', path, path] : [];
      }),
    ).then((parts) => parts.flat());
    return this.#system;
  }

  /** One trial run per process until it works: a host that cannot sandbox refuses every build. */
  #probe(): Promise<void> {
    this.#probed ??= this.#bwrapArgs({ mounts: [] }, this.#root ? buildUid(63) : BUILD_UID)
      .then((args) =>
        runTool(this.#bwrap, [...args, 'prlimit', ...prlimitArgs(this.#opts.limits), '--', 'true'], {
          env: { PATH },
          timeoutMs: 30_000,
        }),
      )
      .then(
        () => undefined,
        (err: unknown) => {
          this.#probed = null;
          const said = err instanceof ToolError ? err.output : '';
          const missing = /^cannot run /.test(errorMessage(err))
            ? 'bwrap'
            : /execvp (prlimit|setpriv)/.exec(said)?.[1];
          throw sandboxUnavailable({ said, cause: err, ...(missing ? { missing } : {}) });
        },
      );
    return this.#probed;
  }
}

/** builder.sandbox: none: the host's own file system and network, but still a cleared environment
 * (no secrets), prlimit's limits, the disk watch and the timeout. */
class UnconfinedRun implements Sandbox {
  readonly kind = 'none';
  readonly #opts: SandboxOptions;

  constructor(opts: SandboxOptions) {
    this.#opts = opts;
  }

  path(mount: SandboxMount): string {
    return mount.host;
  }

  run(command: string, args: readonly string[], opts: SandboxRunOptions): Promise<RunResult> {
    return confined(command, args, opts, this.#opts, () => Promise.resolve([]), {
      cwd: opts.cwd ?? opts.mounts[0]?.host,
      home: opts.mounts.find((m) => m.writable)?.host ?? tmpdir(),
    });
  }
}

/** Runs `prefix… prlimit … -- command args` with only PATH, HOME and LANG in its environment, under
 * the disk watch; errors are renamed for `command`, and a disk overrun is a failure of the build. */
async function confined(
  command: string,
  args: readonly string[],
  opts: SandboxRunOptions,
  sandbox: SandboxOptions,
  prefix: () => Promise<string[]>,
  host: { cwd?: string | undefined; home: string } = { home: '/tmp' },
): Promise<RunResult> {
  const overrun = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, overrun.signal]) : overrun.signal;
  const writable = opts.mounts.find((m) => m.writable);
  const watch: DiskWatch | null = writable
    ? watchDisk({
        dir: writable.host,
        limitMB: sandbox.limits.diskMB,
        intervalMs: sandbox.diskCheckMs ?? 2000,
        onExceed: () => overrun.abort(),
      })
    : null;
  const label = opts.label ?? `${command} ${args[0] ?? ''}`.trimEnd();
  const program = [...(await prefix()), 'prlimit', ...prlimitArgs(sandbox.limits), '--', command, ...args];
  try {
    return await runTool(program[0] as string, program.slice(1), {
      env: { PATH, HOME: host.home, LANG: 'C.UTF-8' },
      ...(host.cwd ? { cwd: host.cwd } : {}),
      signal,
      label,
      ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
      ...(opts.keepBytes === undefined ? {} : { keepBytes: opts.keepBytes }),
    });
  } catch (err) {
    if (!(err instanceof ToolError)) throw err;
    const reason = watch?.exceeded();
    if (reason && !opts.signal?.aborted)
      throw new SandboxLimitError(command, `${label} was stopped: ${reason}`, err.output, { cause: err });
    const message = err.outcome === 'failed' ? err.message.replace(/^\S+ \S*/, label) : err.message;
    throw new ToolError(command, message, err.output, {
      outcome: err.outcome,
      retryable: err.retryable,
      cause: err.cause,
    });
  } finally {
    watch?.stop();
  }
}
