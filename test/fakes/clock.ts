import type { Clock } from '../../src/ports/clock.ts';

/** A clock that moves only when told: retries and leases come due when the test says so. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start = Date.parse('2026-11-29T12:00:00Z')) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  advance(ms: number): void {
    this.#now += ms;
  }
}
