import { ToolError } from '../shared/errors.ts';
import { runTool } from '../shared/run.ts';

/** The git commands the applier runs, in one directory. */
export interface Git {
  /** git's standard output; `input`, when given, is its standard input. */
  raw(args: readonly string[], input?: string | Buffer): Promise<string>;
  revparse(args: readonly string[]): Promise<string>;
  /** The same, with one more environment variable for the commands it runs. */
  env(name: string, value: string): Git;
}

export interface GitOptions {
  /** Directory to run in; the current one when absent (clone, check-ref-format). */
  readonly cwd?: string;
  /** `-c key=value` settings for every command (the committer identity). */
  readonly config?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Stops a running command with its hooks; it rejects with the ToolError `git_aborted`. */
  readonly signal?: AbortSignal;
  /** Milliseconds each command may take; past them it rejects with the ToolError `git_timeout`. */
  readonly timeoutMs?: number;
}

/**
 * git run through runTool, for the applier's hot path. simple-git (which patchferry no longer uses) waits 50 ms
 * after every command that prints nothing (`fetch --quiet`, `am --quiet`, `push --quiet`,
 * `update-ref`, `checkout --quiet` …): a quarter of a second per series, measured in bench:apply.
 * A failure rejects with git's own words as the message, as simple-git's errors do; a command
 * stopped by `signal` or `timeoutMs` rejects with runTool's ToolError, which says which.
 */
export function gitAt(options: GitOptions = {}): Git {
  const run = async (args: readonly string[], input?: string | Buffer) => {
    try {
      const result = await runTool('git', [...(options.config ?? []).flatMap((c) => ['-c', c]), ...args], {
        ...(options.cwd ? { cwd: options.cwd } : {}),
        env: { ...process.env, ...options.env },
        ...(input === undefined ? {} : { input }),
        signal: options.signal,
        timeoutMs: options.timeoutMs,
        label: `git ${args[0] ?? ''}`.trimEnd(),
      });
      return result.stdout;
    } catch (err) {
      if (err instanceof ToolError && err.outcome === 'failed' && err.output.trim())
        throw new Error(err.output.trim(), { cause: err });
      throw err;
    }
  };
  return {
    raw: run,
    revparse: (args) => run(['rev-parse', ...args]),
    env: (name, value) => gitAt({ ...options, env: { ...options.env, [name]: value } }),
  };
}
