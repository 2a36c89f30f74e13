import { execFile } from 'node:child_process';

/** The git commands the applier runs, in one directory. */
export interface Git {
  raw(args: readonly string[]): Promise<string>;
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
}

/**
 * git run directly, for the applier's hot path. simple-git, used elsewhere, waits 50 ms after
 * every command that prints nothing (`fetch --quiet`, `am --quiet`, `push --quiet`, `update-ref`,
 * `checkout --quiet` …): a quarter of a second per series, measured in bench:apply. A failure
 * rejects with git's own words (stderr, then stdout) as the message, as simple-git's errors do.
 */
export function gitAt(options: GitOptions = {}): Git {
  const run = (args: readonly string[]) =>
    new Promise<string>((resolve, reject) => {
      execFile(
        'git',
        [...(options.config ?? []).flatMap((c) => ['-c', c]), ...args],
        {
          cwd: options.cwd,
          env: { ...process.env, ...options.env },
          maxBuffer: 1 << 30,
          encoding: 'utf8',
        },
        (err, stdout, stderr) => {
          if (err) {
            const words = `${stderr}${stdout}`.trim();
            reject(Object.assign(new Error(words || err.message), { exitCode: err.code, cause: err }));
          } else resolve(stdout);
        },
      );
    });
  return {
    raw: run,
    revparse: (args) => run(['rev-parse', ...args]),
    env: (name, value) => gitAt({ ...options, env: { ...options.env, [name]: value } }),
  };
}
