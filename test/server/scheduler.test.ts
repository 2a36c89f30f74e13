import { describe, expect, it } from 'vitest';
import { cronSchedule, runSchedule } from '../../src/server/scheduler.ts';
import { silentLogger } from '../../src/shared/log.ts';

/** The scheduler over a real cron expression, with the clock and the database record in memory. */
function harness(pattern: string, timezone: string, start: string, recorded: string | null) {
  const now = new Date(start);
  let last = recorded ? new Date(recorded) : null;
  const runs: string[] = [];
  const stop = new AbortController();
  const done = runSchedule({
    schedule: cronSchedule(pattern, timezone),
    signal: stop.signal,
    log: silentLogger(),
    now: () => now,
    last: () => last,
    record: (at) => (last = at),
    run: (at) => {
      runs.push(at.toISOString());
      return Promise.resolve();
    },
  });
  return {
    runs,
    last: () => last?.toISOString() ?? null,
    stop: async () => {
      stop.abort();
      await done;
    },
  };
}

describe('the nightly schedule', () => {
  it('reads the expression in its time zone', () => {
    const s = cronSchedule('0 2 * * *', 'Europe/Berlin');
    expect(s.next(new Date('2026-11-29T12:00:00Z'))?.toISOString()).toBe('2026-11-30T01:00:00.000Z');
    expect(s.previous(new Date('2026-11-29T12:00:00Z'))?.toISOString()).toBe('2026-11-29T01:00:00.000Z');
    // Summer time: 02:00 in Berlin is 00:00 UTC.
    expect(s.next(new Date('2026-07-01T12:00:00Z'))?.toISOString()).toBe('2026-07-02T00:00:00.000Z');
  });

  it('runs a run missed while the daemon was down once at start, however many were missed', async () => {
    // Down from the 26th to the 29th at noon: three nightly runs missed, one owed.
    const h = harness('0 2 * * *', 'UTC', '2026-11-29T12:00:00Z', '2026-11-26T02:00:00.000Z');
    await new Promise((r) => setTimeout(r, 20));
    await h.stop();
    expect(h.runs).toEqual(['2026-11-29T02:00:00.000Z']);
    expect(h.last()).toBe('2026-11-29T02:00:00.000Z');
  });

  it('owes nothing on the first start, nor when the last run is recorded', async () => {
    const first = harness('0 2 * * *', 'UTC', '2026-11-29T12:00:00Z', null);
    await new Promise((r) => setTimeout(r, 20));
    await first.stop();
    expect(first.runs).toEqual([]);
    expect(first.last()).toBe('2026-11-29T02:00:00.000Z');

    const again = harness('0 2 * * *', 'UTC', '2026-11-29T12:00:00Z', '2026-11-29T02:00:00.000Z');
    await new Promise((r) => setTimeout(r, 20));
    await again.stop();
    expect(again.runs).toEqual([]);
  });

  it('runs at the scheduled time while the daemon is up', async () => {
    const runs: Date[] = [];
    const stop = new AbortController();
    const started = new Date();
    const done = runSchedule({
      schedule: cronSchedule('* * * * * *', 'UTC'),
      signal: stop.signal,
      log: silentLogger(),
      last: () => started,
      record: () => {},
      run: (at) => {
        runs.push(at);
        return Promise.resolve();
      },
    });
    await new Promise((r) => setTimeout(r, 1100));
    stop.abort();
    await done;
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(runs.every((at) => at.getTime() % 1000 === 0 && at > started)).toBe(true);
  });
});
