// npm run bench:queue [-- UNITS]: the bookkeeping of the work system on a SQLite file on this disk
// (a temporary directory, removed afterwards). UNITS no-op units (10,000) are enqueued and drained,
// each claim timed, and as the floor the same rows are inserted and set done with plain node:sqlite
// statements: in 50 rounds of a fiftieth each, patchferry and the plain statements taking turns to
// go first, so both meet the same disk (every commit waits for an fsync, whose time drifts by the
// second on a shared machine). Then 1,000 units of which one in ten fails twice are drained on a
// fake clock moved past each retry, and every unit is checked to have ended done after the right
// attempts. Ends with one JSON line of the figures.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { z } from 'zod';
import { systemClock, type Clock } from '../src/ports/clock.ts';
import type { UnitKind, WorkQueue } from '../src/ports/work-queue.ts';
import { PatchferryError } from '../src/shared/errors.ts';
import { silentLogger } from '../src/shared/log.ts';
import { openDatabase } from '../src/store/database.ts';
import { openStore } from '../src/store/store.ts';
import { done, drain, type Handlers, type UnitHandler, type WorkerOptions } from '../src/work/worker.ts';

const units = Number(process.argv[2] ?? 10_000);
const ROUNDS = 50;
const retryUnits = 1_000;
const AIM_UNITS_PER_S = 2_000;
// The daemon drains every kind; the units are spread over them.
const KINDS: readonly UnitKind[] = ['series', 'forge', 'build', 'publish', 'mail'];
// The defaults of the configuration's `work` section.
const policy = { maxAttempts: 5, baseMs: 30_000, maxMs: 3_600_000, leaseMs: 300_000 };

const dir = mkdtempSync(join(tmpdir(), 'bench-queue-'));
try {
  const noop = noopQueue(join(dir, 'noop.db'));
  const raw = rawTable(join(dir, 'raw.db'));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const from = Math.floor((round * units) / ROUNDS);
      const to = Math.floor(((round + 1) * units) / ROUNDS);
      if (round % 2 === 0) {
        await noop.round(from, to);
        raw.round(from, to);
      } else {
        raw.round(from, to);
        await noop.round(from, to);
      }
    }
    noop.check();
  } finally {
    noop.close();
    raw.close();
  }
  const retry = await retryCase(join(dir, 'retry.db'));

  const figures = {
    units,
    units_per_s: rate(units, noop.enqueueMs + noop.drainMs),
    enqueue_per_s: rate(units, noop.enqueueMs),
    drain_per_s: rate(units, noop.drainMs),
    p50_claim_ms: round3(percentile(noop.claims, 50)),
    p99_claim_ms: round3(percentile(noop.claims, 99)),
    max_claim_ms: round3(Math.max(...noop.claims)),
    retry_units: retryUnits,
    retry_drains: retry.drains,
    retry_wall_ms: Math.round(retry.ms),
    retry_units_per_s: rate(retryUnits, retry.ms),
    raw_insert_per_s: rate(units, raw.insertMs),
    raw_update_per_s: rate(units, raw.updateMs),
    raw_sqlite_per_s: rate(units, raw.insertMs + raw.updateMs),
    ratio_vs_raw: 0,
    drain_ratio_vs_raw_update: 0,
    aim_met: false,
  };
  figures.ratio_vs_raw = Number((figures.units_per_s / figures.raw_sqlite_per_s).toFixed(2));
  figures.drain_ratio_vs_raw_update = Number((figures.drain_per_s / figures.raw_update_per_s).toFixed(2));
  figures.aim_met = figures.units_per_s >= AIM_UNITS_PER_S;

  console.log(
    `work queue on a SQLite file in ${tmpdir()}: ${units} no-op units over ${KINDS.length} kinds, in ${ROUNDS} rounds`,
  );
  console.log(
    `  enqueue: ${figures.enqueue_per_s} units/s; drain: ${figures.drain_per_s} units/s; overall ${figures.units_per_s} units/s`,
  );
  console.log(
    `  claim: p50 ${figures.p50_claim_ms} ms, p99 ${figures.p99_claim_ms} ms, max ${figures.max_claim_ms} ms`,
  );
  console.log(
    `  ${retryUnits} units, 10% failing twice: ${retry.drains} drains, ${figures.retry_wall_ms} ms = ${figures.retry_units_per_s} units/s, all done with the right attempts`,
  );
  console.log(
    `  plain node:sqlite (one INSERT, one UPDATE a row): ${figures.raw_sqlite_per_s} rows/s (insert ${figures.raw_insert_per_s}/s, update ${figures.raw_update_per_s}/s)`,
  );
  console.log(
    `  patchferry carries ${figures.ratio_vs_raw}x the rows/s of plain statements (drain vs update alone: ${figures.drain_ratio_vs_raw_update}x)`,
  );
  console.log(
    `  aim of ${AIM_UNITS_PER_S} units/s overall: ${figures.aim_met ? 'met' : 'NOT met'} (${figures.units_per_s} units/s)`,
  );
  console.log(JSON.stringify(figures));
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** Enqueues units from..to one by one and drains them in one drain, timing every claim. */
function noopQueue(path: string) {
  const store = openStore(path);
  const claims: number[] = [];
  const handler: UnitHandler<unknown> = { schema: z.unknown(), run: () => Promise.resolve(done()) };
  const o = options(timingClaims(store.work, claims), systemClock, everyKind(handler));
  const figures = { enqueueMs: 0, drainMs: 0, claims };
  return Object.assign(figures, {
    async round(from: number, to: number) {
      const enqueueStarted = performance.now();
      for (let i = from; i < to; i++) {
        o.queue.enqueue({ kind: kindOf(i), key: `noop:${i}`, payload: { i } });
      }
      figures.enqueueMs += performance.now() - enqueueStarted;
      const drainStarted = performance.now();
      const summary = await drain(o, KINDS);
      figures.drainMs += performance.now() - drainStarted;
      expect(summary.done.length === to - from, `drained ${summary.done.length} of ${to - from} no-op units`);
    },
    check() {
      expect(
        claims.length === units + ROUNDS,
        `${claims.length} claims for ${units} units in ${ROUNDS} drains`,
      );
      expect(store.work.list('done').length === units, `not every no-op unit is stored as done`);
    },
    close: () => store.close(),
  });
}

/**
 * 1,000 units, every tenth failing twice with a retryable error before it succeeds. The clock is a
 * fake one moved to each next due time between drains, so nothing sleeps through the backoff.
 */
async function retryCase(path: string) {
  const store = openStore(path);
  try {
    let time = Date.now();
    const clock: Clock = { now: () => time };
    const failures = new Map<number, number>();
    const schema = z.object({ i: z.number(), fails: z.number() });
    const handler: UnitHandler<z.infer<typeof schema>> = {
      schema,
      run: ({ i, fails }) => {
        const failed = failures.get(i) ?? 0;
        if (failed < fails) {
          failures.set(i, failed + 1);
          throw new PatchferryError('bench_flaky', `unit ${i} fails (${failed + 1} of ${fails})`, {
            retryable: true,
          });
        }
        return Promise.resolve(done());
      },
    };
    const o = options(store.work, clock, everyKind(handler));
    const fails = (i: number) => (i % 10 === 0 ? 2 : 0);
    const started = performance.now();
    for (let i = 0; i < retryUnits; i++) {
      o.queue.enqueue({ kind: kindOf(i), key: `retry:${i}`, payload: { i, fails: fails(i) } });
    }
    let drains = 0;
    for (;;) {
      const summary = await drain(o, KINDS);
      drains++;
      expect(
        summary.dead.length === 0,
        `${summary.dead.length} units died: ${summary.dead[0]?.error.message}`,
      );
      const due = store.work.nextDue(KINDS);
      if (due === null) break;
      expect(drains < 10, `still units due after ${drains} drains`);
      time = Math.max(time, due);
    }
    const ms = performance.now() - started;

    const stored = store.work.list('done');
    expect(stored.length === retryUnits, `${stored.length} of ${retryUnits} units ended done`);
    for (const unit of stored) {
      const i = Number(unit.key.slice('retry:'.length));
      expect(
        unit.attempts === fails(i) + 1,
        `${unit.key} ended done after ${unit.attempts} attempts, not ${fails(i) + 1}`,
      );
    }
    expect(drains === 3, `${drains} drains for failures that come twice (expected 3)`);
    return { drains, ms };
  } finally {
    store.close();
  }
}

/** The floor: the same rows and schema, one INSERT and one UPDATE a row, statements prepared once. */
function rawTable(path: string) {
  // The database patchferry opens (WAL, the work table and its index), written with plain statements.
  openDatabase(path).close();
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;');
  const insert = db.prepare(
    `INSERT INTO work (kind, key, payload, state, not_before, created_at, updated_at)
     VALUES (?, ?, ?, 'pending', 0, ?, ?)`,
  );
  const update = db.prepare(`UPDATE work SET state = 'done', result = 'null', updated_at = ? WHERE id = ?`);
  const figures = { insertMs: 0, updateMs: 0 };
  return Object.assign(figures, {
    round(from: number, to: number) {
      const ids: number[] = [];
      const insertStarted = performance.now();
      for (let i = from; i < to; i++) {
        const t = new Date().toISOString();
        ids.push(Number(insert.run(kindOf(i), `raw:${i}`, JSON.stringify({ i }), t, t).lastInsertRowid));
      }
      figures.insertMs += performance.now() - insertStarted;
      const updateStarted = performance.now();
      for (const id of ids) update.run(new Date().toISOString(), id);
      figures.updateMs += performance.now() - updateStarted;
    },
    close: () => db.close(),
  });
}

/** The queue as the worker sees it, with the time of every claim recorded. */
function timingClaims(queue: WorkQueue, times: number[]): WorkQueue {
  return new Proxy(queue, {
    get(target, name) {
      if (name === 'claim') {
        return (...args: Parameters<WorkQueue['claim']>) => {
          const started = performance.now();
          try {
            return target.claim(...args);
          } finally {
            times.push(performance.now() - started);
          }
        };
      }
      // WorkRecords keeps its database in a private field: its methods must run on it, not the proxy.
      const value: unknown = Reflect.get(target, name, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function options(queue: WorkQueue, clock: Clock, handlers: Handlers): WorkerOptions {
  return {
    queue,
    handlers,
    policy,
    clock,
    log: silentLogger(),
    holder: `bench:${process.pid}`,
    random: () => 0.5,
  };
}

function everyKind(handler: UnitHandler<unknown>): Handlers {
  return Object.fromEntries(KINDS.map((kind) => [kind, handler]));
}

function kindOf(i: number): UnitKind {
  return KINDS[i % KINDS.length] ?? 'series';
}

/** A benchmark of a broken queue measures nothing: stop (non-zero) with what went wrong. */
function expect(condition: boolean, problem: string): asserts condition {
  if (!condition) throw new Error(`bench:queue: ${problem}`);
}

function rate(count: number, ms: number): number {
  return Math.round(count / (ms / 1000));
}

function round3(value: number): number {
  return Number(value.toFixed(3));
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
