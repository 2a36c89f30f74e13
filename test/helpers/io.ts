import type { Io } from '../../src/cli/main.ts';

/**
 * An Io for calling `main` in-process that keeps what the command prints: `out` and `err` as lines.
 * `interrupted` resolves at once by default (a command that waits for Ctrl-C returns); pass
 * `'never'` for one that must not be interrupted.
 */
export function capturedIo(opts: { env?: NodeJS.ProcessEnv; interrupted?: 'now' | 'never' } = {}): {
  io: Io;
  out: string[];
  err: string[];
} {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: opts.env ?? {},
    interrupted: () => (opts.interrupted === 'never' ? new Promise(() => {}) : Promise.resolve()),
  };
  return { io, out, err };
}
