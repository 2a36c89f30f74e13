/** What a unit of work is: the closed list the worker knows how to run. */
export type UnitKind = 'series' | 'build' | 'publish' | 'check' | 'archive' | 'mail' | 'forge';

/**
 * pending: waits for `notBefore`; running: leased to a worker; failed: failed and waits to be
 * retried at `notBefore`; done; dead: failed for good (permanent error or too many attempts).
 */
export type UnitState = 'pending' | 'running' | 'done' | 'failed' | 'dead';

export interface NewUnit {
  readonly kind: UnitKind;
  /** What the unit is about (`build:<project>:<branch>:<commit>:<platform>`): unique for ever, so
   * enqueueing the same key again, even after the unit is done, changes nothing. */
  readonly key: string;
  /** JSON-serialisable; parsed by the kind's schema when the unit is claimed. */
  readonly payload: unknown;
  /** Not run before this time (ms since the epoch); at once when not given. */
  readonly notBefore?: number;
}

export interface UnitError {
  readonly code: string;
  readonly message: string;
}

export interface Unit {
  readonly id: number;
  readonly kind: UnitKind;
  readonly key: string;
  /** The stored JSON, not yet checked against the kind's schema. */
  readonly payload: unknown;
  readonly state: UnitState;
  /** Claims so far, this one included once claimed. */
  readonly attempts: number;
  readonly notBefore: number;
  readonly error: UnitError | null;
  /** What the unit stored while it waited on the outside (a Koji task id); null before. */
  readonly handle: string | null;
  /** What it did (its handler's result), once done. */
  readonly result: unknown;
}

/** A claim on a unit: until `leaseUntil`, no other worker takes it. */
export interface Lease {
  readonly holder: string;
  readonly leaseUntil: number;
}

/**
 * The durable queue of units of work. Every state change after a claim names the lease holder and
 * is refused (returns false) when the lease was lost: a worker that stalled past its lease cannot
 * overwrite what the worker that took the unit over did.
 */
export interface WorkQueue {
  /** Adds the unit; false (and nothing changes) when its key is known. */
  enqueue(unit: NewUnit): boolean;
  /** Atomically takes the next due unit of `kinds` (pending or failed with `notBefore` ≤ now, or
   * running with an expired lease), oldest first; null when none is due. */
  claim(kinds: readonly UnitKind[], now: number, lease: Lease): Unit | null;
  /** A unit that is done or dead is asked for again (a nightly rebuild of a failed build): pending,
   * due at once, its attempts counted afresh. False when it is not done or dead. */
  reopen(key: string): boolean;
  /** A unit not started yet (pending, or failed and waiting for its retry) is not wanted any more
   * (a "held" notice of a series since let through): done, its result `{ canceled: why }`. False
   * when it is running, finished or unknown. */
  cancel(key: string, why: string): boolean;
  /** The payload of a unit never claimed yet (pending, no attempt) is replaced: a notice not sent
   * yet takes in more of what it tells. False when the unit was claimed, finished or is unknown. */
  amend(key: string, payload: unknown): boolean;
  /** Every dead unit matching one of `selectors` (every dead unit when none is given) is asked for
   * again as reopen does; returns their keys. A selector is a whole key, or the start of keys when
   * it ends in ':' ('publish:') or '*' (the '*' dropped: 'series:0.W*'). */
  reopenDead(selectors: readonly string[]): string[];
  /** Units left running by a process that is gone go back to pending, due at once (their attempt
   * counted). Only for a process that holds the database alone (the lock says no other works on
   * it); otherwise leases expire by themselves. Returns how many. */
  recover(): number;
  /** Extends a lease while a long unit runs. */
  renew(id: number, lease: Lease): boolean;
  complete(id: number, holder: string, result: unknown): boolean;
  /** Failed, to be tried again at `notBefore`. */
  retry(id: number, holder: string, notBefore: number, error: UnitError): boolean;
  /** Waits on the outside, or was interrupted (shutdown): back to pending at `notBefore`, not counted
   * as an attempt, with `handle` stored (null keeps the one stored before). */
  wait(id: number, holder: string, notBefore: number, handle: string | null): boolean;
  /** Failed for good. */
  bury(id: number, holder: string, error: UnitError): boolean;
  /** The earliest time a unit of `kinds` becomes due (ms), or null when none waits. */
  nextDue(kinds: readonly UnitKind[]): number | null;
  get(key: string): Unit | undefined;
  /** Whether a unit with this key was ever enqueued. */
  has(key: string): boolean;
  /** Units in `state`, oldest first. */
  list(state: UnitState, kinds?: readonly UnitKind[]): Unit[];
  /** Mail effects queued since `since` (ISO 8601) under keys ending in `keySuffix` and addressed
   * to `to`: how many replies of one kind a sender got lately. */
  countMail(q: { readonly keySuffix: string; readonly to: string; readonly since: string }): number;
  /** Destinations an effect reached already (the outbox file, an SMTP server). */
  deliveredTo(key: string): ReadonlySet<string>;
  recordDelivery(key: string, destination: string): void;
}
