import { spawn } from 'node:child_process';
import { ToolError } from './errors.ts';

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Bytes of output kept for the error message; the end matters most, where tools say what failed. */
  readonly keepBytes?: number;
  /** Written to the tool's standard input, which is otherwise closed. */
  readonly input?: string | Buffer;
  /** Stops the run: the tool and every process it started are killed, and the run rejects with
   * `<tool>_aborted`. A signal aborted already starts nothing. */
  readonly signal?: AbortSignal;
  /** Milliseconds the run may take; past them the tool and every process it started are killed, and
   * the run rejects with `<tool>_timeout` (retryable). No limit when absent. */
  readonly timeoutMs?: number;
  /** Milliseconds from SIGTERM to SIGKILL for a run that is stopped; 2 s when absent. */
  readonly killGraceMs?: number;
  /** How the message of a stopped run names it (`git am`); the tool and its first argument when absent. */
  readonly label?: string;
  /** Takes the tool's standard output as it comes, for output too long to hold (`git log -p` of a
   * branch): it is then not kept (RunResult.stdout is empty), nor in the `output` of an error. */
  readonly onStdout?: (chunk: Buffer) => void;
}

export interface RunResult {
  /** stdout and stderr interleaved as the tool wrote them (the tail, see keepBytes). */
  readonly output: string;
  /** stdout alone and whole, for tools whose answer is read (git rev-parse, range-diff). */
  readonly stdout: string;
}

/** setTimeout's largest delay; a longer one would fire at once. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * The process groups of the tools this process runs now. Module-level on purpose, against the
 * usual rule: these are this process's own children, and they must be stopped whatever ends the
 * process (`process.exit`, a second Ctrl-C, an uncaught error), not only when the caller that
 * started them gets to abort. Being groups of their own, nothing else stops them: the terminal's
 * Ctrl-C does not reach them, and they would outlive patchferry (an rpmbuild compiling on).
 */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function track(group: number): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // 'exit' listeners run synchronously and last: SIGKILL, there is no time to wait on a SIGTERM.
    process.on('exit', () => {
      for (const live of liveGroups) killGroup(live, 'SIGKILL');
    });
  }
  liveGroups.add(group);
}

/**
 * Runs an outside program; a non-zero exit becomes a ToolError carrying the tail of its output.
 * The program runs in a process group of its own, so that stopping it (`signal`, `timeoutMs`) also
 * stops what it started: rpmbuild's make and compilers, git's hooks. The group is sent SIGTERM, then
 * SIGKILL after `killGraceMs`; the run rejects once the program's output is closed. Being a group of
 * its own, it has no terminal either: nothing it runs can wait for a password typed there. Should
 * this process exit while the program runs, its group is sent SIGKILL as it exits.
 */
export function runTool(tool: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const keep = opts.keepBytes ?? 1 << 20;
  const { signal, timeoutMs } = opts;
  const label = opts.label ?? `${tool} ${args[0] ?? ''}`.trimEnd();
  if (timeoutMs !== undefined && !(timeoutMs > 0 && timeoutMs <= MAX_TIMEOUT_MS)) {
    return Promise.reject(
      new RangeError(`the time limit for ${label} must be 1 to ${MAX_TIMEOUT_MS} ms, not ${timeoutMs}`),
    );
  }
  if (signal?.aborted) {
    return Promise.reject(
      new ToolError(tool, `${label} was aborted before it started`, '', {
        outcome: 'aborted',
        cause: signal.reason,
      }),
    );
  }
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(tool, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    if (child.pid !== undefined) track(child.pid);
    // A tool that exits without reading all of its input is not an error here; its exit code says.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input);
    const chunks: Buffer[] = [];
    let size = 0;
    const collect = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      while (size > keep && chunks.length > 1) size -= (chunks.shift() as Buffer).length;
    };
    const stdout: Buffer[] = [];
    const { onStdout } = opts;
    child.stdout.on(
      'data',
      onStdout ??
        ((chunk: Buffer) => {
          stdout.push(chunk);
          collect(chunk);
        }),
    );
    child.stderr.on('data', collect);

    let stopped: 'aborted' | 'timeout' | null = null;
    let ran = 0;
    let grace: NodeJS.Timeout | undefined;
    const stop = (why: 'aborted' | 'timeout') => {
      if (stopped || child.pid === undefined) return;
      stopped = why;
      ran = Date.now() - started;
      const group = child.pid;
      killGroup(group, 'SIGTERM');
      grace = setTimeout(() => {
        killGroup(group, 'SIGKILL');
        liveGroups.delete(group);
      }, opts.killGraceMs ?? 2000);
    };
    const onAbort = () => stop('aborted');
    signal?.addEventListener('abort', onAbort, { once: true });
    const limit = timeoutMs === undefined ? undefined : setTimeout(() => stop('timeout'), timeoutMs);
    const settle = () => {
      clearTimeout(limit);
      signal?.removeEventListener('abort', onAbort);
    };

    child.on('error', (err) => {
      settle();
      clearTimeout(grace);
      reject(new ToolError(tool, `cannot run ${tool}: ${err.message}; is it installed?`, '', { cause: err }));
    });
    child.on('close', (code, exitSignal) => {
      settle();
      const output = Buffer.concat(chunks).toString('utf8');
      const group = child.pid as number;
      if (stopped) {
        // Its output is closed, but a process that closed its own may be left: it gets the SIGKILL,
        // and stays in liveGroups until then.
        if (!groupExists(group)) {
          clearTimeout(grace);
          liveGroups.delete(group);
        }
        const message =
          stopped === 'timeout'
            ? `${label} timed out after ${seconds(timeoutMs as number)} s and was killed with every process it started`
            : `${label} was aborted after ${seconds(ran)} s and killed with every process it started`;
        reject(
          new ToolError(tool, `${message}${tail(output)}`, output, {
            outcome: stopped,
            retryable: stopped === 'timeout',
            ...(stopped === 'aborted' ? { cause: signal?.reason } : {}),
          }),
        );
        return;
      }
      // Finished by itself: what it left running in its group (a daemon it started) is its own.
      liveGroups.delete(group);
      if (code === 0) resolve({ output, stdout: Buffer.concat(stdout).toString('utf8') });
      else
        reject(
          new ToolError(tool, `${tool} ${args[0] ?? ''} failed (${exitSignal ?? `exit ${code}`})`, output),
        );
    });
  });
}

function killGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal);
  } catch {
    // Every process of the group has exited already.
  }
}

function groupExists(group: number): boolean {
  try {
    process.kill(-group, 0);
    return true;
  } catch {
    return false;
  }
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

/** The last lines of a tool's output, for a message that says where it stopped. */
function tail(output: string): string {
  const lines = output.trimEnd().split('\n').slice(-20).join('\n');
  if (!lines) return '; it printed nothing';
  return `; its output ends:\n${lines.length > 2000 ? `…${lines.slice(-2000)}` : lines}`;
}
