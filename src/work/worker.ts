import type { z } from 'zod';
import type { Clock } from '../ports/clock.ts';
import type { UnitRun, UnitRunOutcome } from '../ports/metrics.ts';
import type { Unit, UnitError, UnitKind, WorkQueue } from '../ports/work-queue.ts';
import { backoffDelay, sleep } from '../shared/backoff.ts';
import { PatchferryError, errorMessage } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';

/** What a handler gets besides its payload. */
export interface RunningUnit {
  readonly key: string;
  /** 1 on the first run. */
  readonly attempt: number;
  /** What the unit stored when it last waited on the outside; null on its first run. */
  readonly handle: string | null;
  /** Aborted when the worker shuts down or loses the unit's lease: stop, and the unit runs again. */
  readonly signal: AbortSignal;
  readonly log: Logger;
}

/** Done with a result (for summaries), or waiting on the outside: run again after `ms` with `handle`. */
export type UnitOutcome =
  { readonly done: unknown } | { readonly wait: { readonly handle: string; readonly ms: number } };

export function done(result: unknown = null): UnitOutcome {
  return { done: result };
}

export function waitFor(handle: string, ms: number): UnitOutcome {
  return { wait: { handle, ms } };
}

/** Runs the units of one kind. A thrown PatchferryError says by `retryable` whether trying again can
 * help; any other error is unexpected and retried like a transient one, up to maxAttempts. */
export interface UnitHandler<P> {
  readonly schema: z.ZodType<P>;
  run(payload: P, unit: RunningUnit): Promise<UnitOutcome>;
}

export type Handlers = { readonly [K in UnitKind]?: UnitHandler<unknown> };

export interface RetryPolicy {
  readonly maxAttempts: number;
  /** maxAttempts for particular kinds (effects are tried longer than work). */
  readonly maxAttemptsOf?: Partial<Record<UnitKind, number>>;
  /** The first retry waits about this long (ms); each next one twice as long, up to maxMs. */
  readonly baseMs: number;
  readonly maxMs: number;
  readonly leaseMs: number;
}

export interface WorkerOptions {
  readonly queue: WorkQueue;
  readonly handlers: Handlers;
  readonly policy: RetryPolicy;
  readonly clock: Clock;
  readonly log: Logger;
  /** Names this worker in leases (`host:pid:random`). */
  readonly holder: string;
  /** Told once of every unit that died, with why; effects (a mail to failureRecipients) it queues
   * are run like any other unit. */
  readonly onDead?: (unit: Unit, error: UnitError) => void;
  /** Told of every run of a unit as it ends, with how long it took (the daemon's metrics). */
  readonly onRan?: (run: UnitRun) => void;
  readonly random?: () => number;
}

export interface UnitReport {
  readonly key: string;
  readonly kind: UnitKind;
}

export interface DrainSummary {
  readonly done: (UnitReport & { readonly result: unknown })[];
  /** Failed and waiting to be retried at `retryAt` (ms). */
  readonly retrying: (UnitReport & { readonly error: UnitError; readonly retryAt: number })[];
  readonly dead: (UnitReport & { readonly error: UnitError })[];
  /** Waiting on the outside (a Koji task) until `at` (ms). */
  readonly waiting: (UnitReport & { readonly at: number })[];
}

/**
 * Runs every due unit of `kinds`, one at a time, until none is due (units waiting for a retry or on
 * the outside are left for a later run). One unit's failure never stops the others.
 */
export async function drain(
  o: WorkerOptions,
  kinds: readonly UnitKind[],
  signal?: AbortSignal,
): Promise<DrainSummary> {
  const summary: DrainSummary = { done: [], retrying: [], dead: [], waiting: [] };
  while (!signal?.aborted) {
    const unit = o.queue.claim(kinds, o.clock.now(), lease(o));
    if (!unit) break;
    await runUnit(o, unit, summary, signal);
  }
  return summary;
}

/**
 * The daemon's worker: drains due units of `kinds`, then sleeps until the next one is due or `wake`
 * resolves, until `signal` aborts. A unit running when it aborts is given `graceMs` to finish and
 * then aborted itself; it runs again at the next start.
 */
export async function work(
  o: WorkerOptions,
  kinds: readonly UnitKind[],
  run: {
    readonly signal: AbortSignal;
    readonly graceMs: number;
    /** Resolves when there may be new work; called again after each wake. */
    readonly wake: () => Promise<void>;
    /** After each drain: what the units did; queue what follows from them here. */
    readonly onDrained?: (summary: DrainSummary) => void | Promise<void>;
  },
): Promise<void> {
  const units = new AbortController();
  const stop = () => setTimeout(() => units.abort(), run.graceMs).unref();
  run.signal.addEventListener('abort', stop, { once: true });
  const stopped = new Promise<void>((resolve) =>
    run.signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  try {
    while (!run.signal.aborted) {
      const summary: DrainSummary = { done: [], retrying: [], dead: [], waiting: [] };
      for (;;) {
        if (run.signal.aborted) break;
        const unit = o.queue.claim(kinds, o.clock.now(), lease(o));
        if (!unit) break;
        await runUnit(o, unit, summary, units.signal);
      }
      await run.onDrained?.(summary);
      if (run.signal.aborted) break;
      const due = o.queue.nextDue(kinds);
      const untilDue = due === null ? 60_000 : Math.max(0, due - o.clock.now());
      const nap = new AbortController();
      await Promise.race([sleep(Math.min(untilDue, 60_000), nap.signal), run.wake(), stopped]);
      nap.abort();
    }
  } finally {
    run.signal.removeEventListener('abort', stop);
  }
}

async function runUnit(
  o: WorkerOptions,
  unit: Unit,
  summary: DrainSummary,
  signal: AbortSignal | undefined,
): Promise<void> {
  const log = o.log.child({ unit: unit.key, kind: unit.kind, attempt: unit.attempts });
  const handler = o.handlers[unit.kind];
  const report = { key: unit.key, kind: unit.kind };
  const aborted = new AbortController();
  const onAbort = () => aborted.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  // A long unit keeps its lease; one that lost it (this process stalled) stops.
  const heartbeat = setInterval(
    () => {
      if (!o.queue.renew(unit.id, lease(o))) {
        log.warn({}, 'lease lost; another worker may have taken the unit over');
        aborted.abort();
      }
    },
    Math.max(1000, o.policy.leaseMs / 3),
  );
  heartbeat.unref();
  const started = performance.now();
  const ran = (outcome: UnitRunOutcome, error: UnitError | null = null, result: unknown = null) => {
    try {
      o.onRan?.({
        kind: unit.kind,
        key: unit.key,
        payload: unit.payload,
        outcome,
        seconds: (performance.now() - started) / 1000,
        error,
        result,
      });
    } catch (err) {
      log.error({ err: errorMessage(err) }, 'cannot count a unit run');
    }
  };
  try {
    if (!handler) throw new PatchferryError('unit_unknown', `no handler for units of kind "${unit.kind}"`);
    const parsed = handler.schema.safeParse(unit.payload);
    if (!parsed.success) {
      throw new PatchferryError(
        'unit_payload_invalid',
        `the stored payload of ${unit.key} does not match its kind "${unit.kind}": ${parsed.error.message}`,
      );
    }
    const outcome = await handler.run(parsed.data, {
      key: unit.key,
      attempt: unit.attempts,
      handle: unit.handle,
      signal: aborted.signal,
      log,
    });
    if ('wait' in outcome) {
      const at = o.clock.now() + outcome.wait.ms;
      o.queue.wait(unit.id, o.holder, at, outcome.wait.handle);
      summary.waiting.push({ ...report, at });
      ran('waiting');
      return;
    }
    o.queue.complete(unit.id, o.holder, outcome.done);
    summary.done.push({ ...report, result: outcome.done });
    ran('done', null, outcome.done);
  } catch (err) {
    if (aborted.signal.aborted) {
      // Shut down or lost: not the unit's fault; it runs again at the next start.
      o.queue.wait(unit.id, o.holder, o.clock.now(), null);
      log.warn({ err: errorMessage(err) }, 'unit interrupted; it runs again');
      ran('interrupted');
      return;
    }
    const error = unitError(err);
    const retryable = err instanceof PatchferryError ? err.retryable : true;
    const maxAttempts = o.policy.maxAttemptsOf?.[unit.kind] ?? o.policy.maxAttempts;
    if (retryable && unit.attempts < maxAttempts) {
      const delay = backoffDelay(unit.attempts - 1, o.policy.baseMs, o.policy.maxMs, o.random);
      const retryAt = o.clock.now() + Math.round(delay);
      o.queue.retry(unit.id, o.holder, retryAt, error);
      summary.retrying.push({ ...report, error, retryAt });
      ran('retrying', error);
      log.warn(
        { err: error.message, code: error.code, retryAt: new Date(retryAt).toISOString() },
        'unit failed; retrying later',
      );
      return;
    }
    o.queue.bury(unit.id, o.holder, error);
    summary.dead.push({ ...report, error });
    ran('dead', error);
    log.error({ err: error.message, code: error.code }, 'unit dead');
    try {
      o.onDead?.(unit, error);
    } catch (deadErr) {
      log.error({ err: errorMessage(deadErr) }, 'cannot report a dead unit');
    }
  } finally {
    clearInterval(heartbeat);
    signal?.removeEventListener('abort', onAbort);
  }
}

function lease(o: WorkerOptions) {
  return { holder: o.holder, leaseUntil: o.clock.now() + o.policy.leaseMs };
}

function unitError(err: unknown): UnitError {
  const code = err instanceof PatchferryError ? err.code : 'unexpected';
  return { code, message: errorMessage(err) };
}
