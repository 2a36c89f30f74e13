import { ToolError } from '../shared/errors.ts';
import { runTool } from '../shared/run.ts';

export interface DiskWatch {
  /** Why the build was stopped (the sentence a report shows), or null while within its limit. */
  readonly exceeded: () => string | null;
  readonly stop: () => void;
}

/**
 * Measures `dir` (with `du`, allocated blocks, one file system) every `intervalMs` and calls `onExceed`
 * once when it holds more than `limitMB` MiB, or when the build made part of it unreadable to the
 * measure (a directory chmod 000 would hide what fills the disk). RLIMIT_FSIZE bounds one file; this
 * bounds their sum. Files vanishing while `du` walks (rpmbuild's own temporary files) are not errors.
 */
export function watchDisk(opts: {
  readonly dir: string;
  readonly limitMB: number;
  readonly intervalMs: number;
  readonly onExceed: () => void;
}): DiskWatch {
  let exceeded: string | null = null;
  let running = false;
  let stopped = false;
  const check = async () => {
    if (running || exceeded || stopped) return;
    running = true;
    const output = await runTool('du', ['-s', '-k', '-x', opts.dir], { timeoutMs: 60_000 })
      .then((r) => r.output)
      .catch((err: unknown) => (err instanceof ToolError ? err.output : ''))
      .finally(() => (running = false));
    const usedKB = Number(/^(\d+)\s/m.exec(output)?.[1] ?? 0);
    if (/Permission denied/.test(output))
      exceeded = 'the build made part of its directory unreadable, hiding how much disk it used';
    else if (usedKB > opts.limitMB * 1024)
      exceeded = `the build used more than ${opts.limitMB} MiB of disk (builder.limits.diskMB)`;
    if (exceeded && !stopped) {
      clearInterval(timer);
      opts.onExceed();
    }
  };
  const timer = setInterval(() => void check(), opts.intervalMs);
  return {
    exceeded: () => exceeded,
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
