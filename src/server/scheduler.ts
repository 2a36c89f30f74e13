import { Cron } from 'croner';
import { sleep } from '../shared/backoff.ts';
import { errorMessage } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';

/** A cron expression read in a time zone (croner: five fields, or six with seconds first). */
export interface Schedule {
  /** The first run strictly after `after`, or null when the expression has none left. */
  next(after: Date): Date | null;
  /** The last run at or before `at`, or null when there was none. */
  previous(at: Date): Date | null;
}

export function cronSchedule(pattern: string, timezone: string): Schedule {
  const cron = new Cron(pattern, { paused: true, timezone });
  return {
    next: (after) => cron.nextRun(after),
    previous: (at) => cron.previousRuns(1, new Date(at.getTime() + 1))[0] ?? null,
  };
}

export interface SchedulerOptions {
  readonly schedule: Schedule;
  /** The scheduled time of the last run done or not owed (recorded in the database), or null before
   * the first start. */
  readonly last: () => Date | null;
  /** Records `at` as done (after `run` succeeded, or as the start's baseline). */
  readonly record: (at: Date) => void;
  /** The work of the run scheduled at `at`. */
  readonly run: (at: Date) => Promise<void>;
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly now?: () => Date;
}

/** Longest single wait: the clock is looked at again at least this often (a suspended machine, a
 * clock set back or forward, and setTimeout's limit of about 24.8 days). */
const MAX_NAP_MS = 60_000;

/**
 * Runs the schedule until `signal` aborts. At start, a run missed while the daemon was down (the
 * last scheduled time before now is later than the one recorded) runs once, however many were
 * missed; on the very first start there is no record, and the runs before it are not owed. A run
 * that fails is logged and not recorded, so the next start runs it again; the schedule goes on.
 */
export async function runSchedule(o: SchedulerOptions): Promise<void> {
  const now = o.now ?? (() => new Date());
  const due = o.schedule.previous(now());
  const last = o.last();
  if (due && last && due > last) {
    o.log.info(
      { scheduledFor: due.toISOString(), lastRun: last.toISOString() },
      'running the missed nightly run',
    );
    await attempt(o, due);
  } else if (due && !last) {
    o.record(due);
  }
  while (!o.signal.aborted) {
    const next = o.schedule.next(now());
    if (!next) return;
    while (!o.signal.aborted && next.getTime() > now().getTime())
      await sleep(Math.min(MAX_NAP_MS, next.getTime() - now().getTime()), o.signal);
    if (o.signal.aborted) return;
    await attempt(o, next);
  }
}

async function attempt(o: SchedulerOptions, at: Date): Promise<void> {
  try {
    await o.run(at);
    o.record(at);
  } catch (err) {
    o.log.error(
      { scheduledFor: at.toISOString(), err: errorMessage(err) },
      'nightly run failed; the next start runs it again',
    );
  }
}
