import { readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ToolError } from '../shared/errors.ts';
import { runTool, type RunResult } from '../shared/run.ts';
import { dropToUid, prlimitArgs, type SandboxLimits } from './sandbox-limits.ts';
import { sandboxUnavailable } from './sandbox-probe.ts';

export interface RootRunOptions {
  /** The directory the command sees as `/`: an installroot holding only what dnf put there. */
  readonly root: string;
  readonly limits: SandboxLimits;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  readonly label: string;
  /** The bwrap program; `bwrap` when absent. */
  readonly bwrap?: string;
  /** With several runs at once as root, each needs a uid of its own (RLIMIT_NPROC is per uid). */
  readonly slot?: number;
}

const PATH = '/usr/bin:/bin:/usr/sbin:/sbin';
/** What bwrap makes itself inside the root, never taken from it. */
const MADE_INSIDE = new Set(['dev', 'proc', 'tmp']);
/** Uids no account uses, apart from the build sandbox's (sandbox.ts): one per process and slot, below
 * 2^31 (bwrap writes them to uid_map, which refuses larger ones). */
const CHECK_UIDS = 2_000_000_000;

/**
 * Runs a command inside an installed root, as the build sandbox runs a build (sandbox.ts) but with
 * the root's own system instead of the host's: what the check sees is exactly what dnf installed,
 * read-only, plus private /dev, /proc and /tmp; no network (a network namespace of its own), an
 * unprivileged uid, PATH/HOME/LANG only, prlimit's limits, the time limit.
 *
 * Unlike a build, the root holds none of prlimit and setpriv (a minimal root has no util-linux), so
 * both run outside bwrap: rlimits and uids are inherited through exec. As root, `setpriv` first drops
 * to a uid of the check's own, so bwrap makes an unprivileged user namespace, where root's files
 * are nobody's (read-only to the check) and RLIMIT_NPROC counts this check alone. bwrap then opens
 * the root's directories as that uid: the root and the directories above it must be world-searchable
 * (the tester makes its roots under the system's temporary directory with mode 0755).
 *
 * Resolves with the command's output; rejects with its ToolError (`bwrap_failed` with the exit, or
 * `bwrap_timeout`), or SandboxUnavailableError when this machine cannot make the namespaces.
 */
export async function runInRoot(argv: readonly string[], opts: RootRunOptions): Promise<RunResult> {
  const binds = await rootBinds(opts.root);
  const asRoot = process.getuid?.() === 0;
  const uid = CHECK_UIDS + (process.pid % 1_000_000) * 64 + ((opts.slot ?? 0) % 64);
  const drop = asRoot ? dropToUid(uid) : [];
  const MIB = 1024 * 1024;
  const tmp = ['--perms', '1777', '--size', String(opts.limits.tmpMB * MIB)];
  const program = [
    ...drop,
    'prlimit',
    ...prlimitArgs(opts.limits),
    '--',
    opts.bwrap ?? 'bwrap',
    ...['--unshare-all', '--uid', '65534', '--gid', '65534', '--die-with-parent', '--new-session'],
    ...binds,
    ...['--dev', '/dev', '--proc', '/proc', ...tmp, '--tmpfs', '/tmp', '--chdir', '/tmp'],
    '--',
    ...argv,
  ];
  try {
    return await runTool(program[0] as string, program.slice(1), {
      env: { PATH, HOME: '/tmp', LANG: 'C.UTF-8' },
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
      label: opts.label,
      keepBytes: 64 * 1024,
    });
  } catch (err) {
    if (!(err instanceof ToolError)) throw err;
    // bwrap saying it cannot make its namespaces is this machine's failure, not the check's.
    const said = /^bwrap: (.*)$/m.exec(err.output)?.[1] ?? '';
    if (
      !/^execvp /.test(said) &&
      /namespace|uid map|gid map|Operation not permitted|Permission denied/.test(said)
    )
      throw sandboxUnavailable({ said: err.output, cause: err });
    throw err;
  }
}

/** bwrap arguments that show the root's top-level entries at `/`: directories bound read-only,
 * symbolic links (merged /usr: /bin → usr/bin) made again. */
async function rootBinds(root: string): Promise<string[]> {
  const args: string[] = [];
  for (const e of await readdir(root, { withFileTypes: true })) {
    if (MADE_INSIDE.has(e.name)) continue;
    if (e.isSymbolicLink()) args.push('--symlink', await readlink(join(root, e.name)), `/${e.name}`);
    else if (e.isDirectory()) args.push('--ro-bind', join(root, e.name), `/${e.name}`);
  }
  return args;
}
