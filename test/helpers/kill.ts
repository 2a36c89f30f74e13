import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

/** How a `patchferry` process ended. */
export interface Run {
  readonly pid: number;
  /** The exit status; null when a signal ended it. */
  readonly code: number | null;
  /** Ended by the SIGKILL asked for (not finished before it). */
  readonly killed: boolean;
  readonly ms: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `patchferry ARGS` as a process of its own, silent unless told otherwise; kills it with
 * SIGKILL after `killAfterMs` when given. */
export function runPatchferry(
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; killAfterMs?: number } = {},
): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/patchferry.mjs', ...args], {
      cwd: ROOT,
      env: { ...process.env, PATCHFERRY_LOG_LEVEL: 'silent', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    let killed = false;
    const timer =
      opts.killAfterMs === undefined
        ? undefined
        : setTimeout(() => {
            killed = child.kill('SIGKILL');
          }, opts.killAfterMs);
    const ended = (code: number | null) => {
      clearTimeout(timer);
      resolve({
        pid: child.pid ?? 0,
        code,
        killed: killed && code === null,
        ms: Date.now() - started,
        stdout,
        stderr,
      });
    };
    // A killed run is over at its exit (what it started may outlive it); a finished one once its
    // output is read to the end.
    child.on('exit', (code) => {
      if (killed && code === null) ended(code);
    });
    child.on('close', ended);
  });
}

/**
 * Where to kill the next run: after most of Node's start (learnt from a run with nothing to do),
 * up to the length of the last run that finished before its kill, so that on a loaded machine the
 * kills still land in the work and not all before or after it.
 */
export class KillWindow {
  #from = 150;
  #span: number;

  constructor(initialSpanMs: number) {
    this.#span = initialSpanMs;
  }

  next(): number {
    return this.#from + Math.floor(Math.random() * this.#span);
  }

  /** Learns from a run that had nothing to do how long starting takes; a few kills still land in it. */
  idle(run: Run): void {
    this.#from = Math.max(150, Math.round(run.ms * 0.7));
  }

  /** Learns from a run that finished before its kill how long a whole one takes. */
  finished(run: Run): void {
    if (!run.killed) this.#span = Math.max(run.ms - this.#from, 200);
  }
}
