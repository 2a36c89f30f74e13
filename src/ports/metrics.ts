import type { UnitError, UnitKind } from './work-queue.ts';

/** How one run of a unit of work ended. */
export type UnitRunOutcome = 'done' | 'waiting' | 'interrupted' | 'retrying' | 'dead';

/** One run of a unit, as the worker saw it end. */
export interface UnitRun {
  readonly kind: UnitKind;
  readonly key: string;
  /** As stored, not checked against the kind's schema (a run whose payload was invalid is told too). */
  readonly payload: unknown;
  readonly outcome: UnitRunOutcome;
  /** Wall time of the run, in seconds. */
  readonly seconds: number;
  /** Why it failed (retrying, dead); null otherwise. */
  readonly error: UnitError | null;
  /** What the handler returned (done); null otherwise. */
  readonly result: unknown;
}

/**
 * What the daemon counts, told at the boundary of the worker and the use cases (never from inside
 * them). Adapter: metrics/ (Prometheus through prom-client).
 */
export interface Metrics {
  unitRan(run: UnitRun): void;
  /** Mails intake recorded for the first time. */
  mailsReceived(count: number): void;
  /** Something outside a unit failed: `stage` is where (intake, queue, schedule), `code` the error's. */
  failed(stage: string, code: string): void;
}
