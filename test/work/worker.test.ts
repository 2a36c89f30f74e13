import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PatchferryError } from '../../src/shared/errors.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { openStore } from '../../src/store/store.ts';
import { done, drain, waitFor, type UnitHandler, type WorkerOptions } from '../../src/work/worker.ts';
import type { Unit, UnitError } from '../../src/ports/work-queue.ts';
import { ManualClock } from '../fakes/clock.ts';

const payload = z.object({ n: z.number() });

/** A queue in memory and a worker over it whose build units run `run`. */
function world(run: UnitHandler<{ n: number }>['run'], over: Partial<WorkerOptions> = {}) {
  const store = openStore(':memory:');
  const clock = new ManualClock();
  const dead: { unit: Unit; error: UnitError }[] = [];
  const options: WorkerOptions = {
    queue: store.work,
    handlers: { build: { schema: payload, run } },
    policy: { maxAttempts: 3, baseMs: 1000, maxMs: 4000, leaseMs: 60_000 },
    clock,
    log: silentLogger(),
    holder: 'worker-a',
    onDead: (unit, error) => dead.push({ unit, error }),
    random: () => 0.5,
    ...over,
  };
  const add = (n: number) => store.work.enqueue({ kind: 'build', key: `unit:${n}`, payload: { n } });
  return { store, clock, options, dead, add };
}

describe('the worker', () => {
  it('retries a unit that throws with growing, capped backoff, buries it after maxAttempts, and runs the units after it', async () => {
    const ran: number[] = [];
    const w = world((p) => {
      ran.push(p.n);
      if (p.n === 1) return Promise.reject(new Error('flaky'));
      return Promise.resolve(done({ n: p.n }));
    });
    w.add(1);
    w.add(2);
    const first = await drain(w.options, ['build']);
    expect(first.done.map((d) => d.key)).toEqual(['unit:2']);
    expect(first.retrying).toMatchObject([
      { key: 'unit:1', error: { code: 'unexpected', message: 'flaky' } },
    ]);
    // Equal jitter with random 0.5: three quarters of 1 s, then of 2 s.
    expect(first.retrying[0]?.retryAt).toBe(w.clock.now() + 750);
    // Not due yet: nothing runs.
    expect((await drain(w.options, ['build'])).retrying).toEqual([]);
    w.clock.advance(750);
    const second = await drain(w.options, ['build']);
    expect(second.retrying[0]?.retryAt).toBe(w.clock.now() + 1500);
    w.clock.advance(1500);
    const third = await drain(w.options, ['build']);
    expect(third.dead).toMatchObject([{ key: 'unit:1', error: { message: 'flaky' } }]);
    expect(w.store.work.get('unit:1')).toMatchObject({ state: 'dead', attempts: 3 });
    expect(w.dead).toHaveLength(1);
    w.clock.advance(10 * 60_000);
    expect(await drain(w.options, ['build'])).toMatchObject({ done: [], retrying: [], dead: [] });
    expect(ran).toEqual([1, 2, 1, 1]);
  });

  it('caps the wait between retries at maxMs', async () => {
    const w = world(
      () => Promise.reject(new PatchferryError('forge_unavailable', 'down', { retryable: true })),
      {
        policy: { maxAttempts: 10, baseMs: 1000, maxMs: 4000, leaseMs: 60_000 },
        random: () => 1,
      },
    );
    w.add(1);
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const d = await drain(w.options, ['build']);
      const retryAt = d.retrying[0]?.retryAt ?? 0;
      waits.push(retryAt - w.clock.now());
      w.clock.advance(retryAt - w.clock.now());
    }
    expect(waits).toEqual([1000, 2000, 4000, 4000, 4000, 4000]);
  });

  it('buries a unit whose error says retrying cannot help at once, and tells once', async () => {
    const w = world(() => Promise.reject(new PatchferryError('config_no_forge_path', 'set forgePath')));
    w.add(1);
    const d = await drain(w.options, ['build']);
    expect(d.dead).toMatchObject([{ key: 'unit:1', error: { code: 'config_no_forge_path' } }]);
    expect(w.dead.map((x) => x.unit.key)).toEqual(['unit:1']);
    w.clock.advance(3_600_000);
    await drain(w.options, ['build']);
    expect(w.dead).toHaveLength(1);
  });

  it('buries a unit whose stored payload does not fit its kind, naming the problem', async () => {
    const w = world(() => Promise.resolve(done()));
    w.store.work.enqueue({ kind: 'build', key: 'bad', payload: { n: 'one' } });
    const d = await drain(w.options, ['build']);
    expect(d.dead).toMatchObject([{ key: 'bad', error: { code: 'unit_payload_invalid' } }]);
  });

  it('enqueues a key once, even after the unit is done', async () => {
    let runs = 0;
    const w = world(() => {
      runs++;
      return Promise.resolve(done());
    });
    expect(w.add(1)).toBe(true);
    expect(w.add(1)).toBe(false);
    await drain(w.options, ['build']);
    expect(w.add(1)).toBe(false);
    await drain(w.options, ['build']);
    expect(runs).toBe(1);
  });

  it('gives a unit whose holder stopped renewing its lease to another worker, and refuses the old holder', async () => {
    const w = world(() => Promise.resolve(done()));
    w.add(1);
    const claimed = w.store.work.claim(['build'], w.clock.now(), {
      holder: 'crashed',
      leaseUntil: w.clock.now() + 60_000,
    });
    expect(claimed?.key).toBe('unit:1');
    // Within the lease nobody else takes it.
    expect((await drain(w.options, ['build'])).done).toEqual([]);
    w.clock.advance(60_001);
    expect((await drain(w.options, ['build'])).done.map((d) => d.key)).toEqual(['unit:1']);
    // The crashed holder comes back and tries to record its own outcome: refused.
    expect(w.store.work.complete(claimed?.id ?? 0, 'crashed', null)).toBe(false);
    expect(w.store.work.get('unit:1')?.attempts).toBe(2);
  });

  it('keeps a unit that waits on the outside without counting an attempt, and gives its handle back', async () => {
    const handles: (string | null)[] = [];
    const w = world((_, unit) => {
      handles.push(unit.handle);
      return Promise.resolve(unit.handle ? done({ task: unit.handle }) : waitFor('task-42', 5000));
    });
    w.add(1);
    const first = await drain(w.options, ['build']);
    expect(first.waiting).toMatchObject([{ key: 'unit:1', at: w.clock.now() + 5000 }]);
    expect(w.store.work.get('unit:1')).toMatchObject({ state: 'pending', attempts: 0, handle: 'task-42' });
    w.clock.advance(5000);
    expect((await drain(w.options, ['build'])).done).toMatchObject([{ result: { task: 'task-42' } }]);
    expect(handles).toEqual([null, 'task-42']);
  });

  it('puts a unit interrupted by a shutdown back without counting it as a failure', async () => {
    const stop = new AbortController();
    const w = world(
      (_, unit) =>
        new Promise((_, reject) => {
          unit.signal.addEventListener('abort', () => reject(new Error('killed by the abort')));
          stop.abort();
        }),
    );
    w.add(1);
    const d = await drain(w.options, ['build'], stop.signal);
    expect(d).toMatchObject({ done: [], retrying: [], dead: [] });
    expect(w.store.work.get('unit:1')).toMatchObject({ state: 'pending', attempts: 0 });
  });

  it('takes back, at start, units a killed process left running', () => {
    const w = world(() => Promise.resolve(done()));
    w.add(1);
    w.store.work.claim(['build'], w.clock.now(), { holder: 'killed', leaseUntil: w.clock.now() + 60_000 });
    expect(w.store.work.recover()).toBe(1);
    expect(w.store.work.get('unit:1')).toMatchObject({ state: 'pending', attempts: 1 });
  });

  it('tries the kinds the policy names as often as it says, the others as maxAttempts says', async () => {
    const w = world(() => Promise.reject(new Error('down')), {
      policy: { maxAttempts: 1, maxAttemptsOf: { build: 3 }, baseMs: 1000, maxMs: 1000, leaseMs: 60_000 },
    });
    w.add(1);
    for (let i = 0; i < 2; i++) {
      expect((await drain(w.options, ['build'])).retrying).toHaveLength(1);
      w.clock.advance(1000);
    }
    expect((await drain(w.options, ['build'])).dead).toHaveLength(1);
  });
});
