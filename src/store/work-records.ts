import type { StatementSync } from 'node:sqlite';
import { z } from 'zod';
import { now, type Database } from './database.ts';
import type { Lease, NewUnit, Unit, UnitError, UnitKind, UnitState, WorkQueue } from '../ports/work-queue.ts';

const row = z.object({
  id: z.number(),
  kind: z.enum(['series', 'build', 'publish', 'check', 'archive', 'mail', 'forge']),
  key: z.string(),
  payload: z.string(),
  state: z.enum(['pending', 'running', 'done', 'failed', 'dead']),
  attempts: z.number(),
  not_before: z.number(),
  error_code: z.string().nullable(),
  error_message: z.string().nullable(),
  handle: z.string().nullable(),
  result: z.string().nullable(),
});

/** The work table (migration 3) as the core's WorkQueue. A claim is one UPDATE … RETURNING, so two
 * processes on one database never take the same unit. */
export class WorkRecords implements WorkQueue {
  readonly #db: Database;
  /** Prepared statements by their SQL: a worker runs the same few for every unit. */
  readonly #statements = new Map<string, StatementSync>();

  constructor(db: Database) {
    this.#db = db;
  }

  enqueue(unit: NewUnit): boolean {
    const t = now();
    const result = this.#statement(
      `INSERT INTO work (kind, key, payload, state, not_before, created_at, updated_at)
       VALUES (?, ?, ?, 'pending', ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
    ).run(unit.kind, unit.key, JSON.stringify(unit.payload), unit.notBefore ?? 0, t, t);
    return result.changes > 0;
  }

  claim(kinds: readonly UnitKind[], at: number, lease: Lease): Unit | null {
    if (kinds.length === 0) return null;
    // The oldest due unit of each kind and state is the first entry of work_due (kind, state,
    // not_before, id) at or below `at`; the claim takes the oldest of those few. One query over
    // every kind and state would read every row of the kinds, done ones too, on every claim.
    const firsts = kinds.flatMap(() =>
      [
        `state = 'pending' AND not_before <= ?`,
        `state = 'failed' AND not_before <= ?`,
        `state = 'running' AND lease_expires < ?`,
      ].map(
        (due) =>
          `SELECT * FROM (SELECT id, not_before FROM work WHERE kind = ? AND ${due} ORDER BY not_before, id LIMIT 1)`,
      ),
    );
    const claimed = this.#statement(
      `UPDATE work SET state = 'running', attempts = attempts + 1, lease_holder = ?, lease_expires = ?, updated_at = ?
       WHERE id = (SELECT id FROM (${firsts.join(' UNION ALL ')}) ORDER BY not_before, id LIMIT 1)
       RETURNING *`,
    ).get(lease.holder, lease.leaseUntil, now(), ...kinds.flatMap((kind) => [kind, at, kind, at, kind, at]));
    return claimed ? toUnit(claimed) : null;
  }

  reopen(key: string): boolean {
    const result = this.#statement(
      `UPDATE work SET state = 'pending', attempts = 0, not_before = 0, result = NULL, updated_at = ?
       WHERE key = ? AND state IN ('done', 'dead')`,
    ).run(now(), key);
    return result.changes > 0;
  }

  cancel(key: string, why: string): boolean {
    const result = this.#statement(
      `UPDATE work SET state = 'done', result = ?, lease_holder = NULL, lease_expires = NULL, updated_at = ?
       WHERE key = ? AND state IN ('pending', 'failed')`,
    ).run(JSON.stringify({ canceled: why }), now(), key);
    return result.changes > 0;
  }

  amend(key: string, payload: unknown): boolean {
    const result = this.#statement(
      `UPDATE work SET payload = ?, updated_at = ? WHERE key = ? AND state = 'pending' AND attempts = 0`,
    ).run(JSON.stringify(payload), now(), key);
    return result.changes > 0;
  }

  reopenDead(selectors: readonly string[]): string[] {
    const dead = this.list('dead').filter(
      (u) => selectors.length === 0 || selectors.some((s) => keyMatches(u.key, s)),
    );
    return dead.filter((u) => this.reopen(u.key)).map((u) => u.key);
  }

  recover(): number {
    return Number(
      this.#statement(
        `UPDATE work SET state = 'pending', not_before = 0, lease_holder = NULL, lease_expires = NULL, updated_at = ?
         WHERE state = 'running'`,
      ).run(now()).changes,
    );
  }

  renew(id: number, lease: Lease): boolean {
    return this.#owned(id, lease.holder, 'lease_expires = ?', lease.leaseUntil);
  }

  complete(id: number, holder: string, result: unknown): boolean {
    return this.#owned(
      id,
      holder,
      `state = 'done', result = ?, lease_holder = NULL, lease_expires = NULL`,
      JSON.stringify(result ?? null),
    );
  }

  retry(id: number, holder: string, notBefore: number, error: UnitError): boolean {
    return this.#owned(
      id,
      holder,
      `state = 'failed', not_before = ?, error_code = ?, error_message = ?, lease_holder = NULL, lease_expires = NULL`,
      notBefore,
      error.code,
      error.message,
    );
  }

  wait(id: number, holder: string, notBefore: number, handle: string | null): boolean {
    return this.#owned(
      id,
      holder,
      `state = 'pending', attempts = attempts - 1, not_before = ?, handle = coalesce(?, handle), lease_holder = NULL, lease_expires = NULL`,
      notBefore,
      handle,
    );
  }

  bury(id: number, holder: string, error: UnitError): boolean {
    return this.#owned(
      id,
      holder,
      `state = 'dead', error_code = ?, error_message = ?, lease_holder = NULL, lease_expires = NULL`,
      error.code,
      error.message,
    );
  }

  nextDue(kinds: readonly UnitKind[]): number | null {
    if (kinds.length === 0) return null;
    const r = this.#statement(
      `SELECT min(CASE WHEN state = 'running' THEN lease_expires ELSE not_before END) AS due FROM work
       WHERE kind IN (${kinds.map(() => '?').join(', ')}) AND state IN ('pending', 'failed', 'running')`,
    ).get(...kinds);
    return typeof r?.due === 'number' ? r.due : null;
  }

  get(key: string): Unit | undefined {
    const r = this.#statement('SELECT * FROM work WHERE key = ?').get(key);
    return r ? toUnit(r) : undefined;
  }

  has(key: string): boolean {
    return this.#statement('SELECT 1 FROM work WHERE key = ?').get(key) !== undefined;
  }

  list(state: UnitState, kinds?: readonly UnitKind[]): Unit[] {
    const filter = kinds ? ` AND kind IN (${kinds.map(() => '?').join(', ')})` : '';
    return this.#statement(`SELECT * FROM work WHERE state = ?${filter} ORDER BY id`)
      .all(state, ...(kinds ?? []))
      .map(toUnit);
  }

  countMail(q: { keySuffix: string; to: string; since: string }): number {
    const row = this.#statement(
      `SELECT count(*) AS n FROM work WHERE kind = 'mail' AND created_at >= ? AND substr(key, -?) = ?
       AND EXISTS (SELECT 1 FROM json_each(payload, '$.message.to') WHERE lower(value) = lower(?))`,
    ).get(q.since, q.keySuffix.length, q.keySuffix, q.to);
    return Number(row?.n ?? 0);
  }

  deliveredTo(key: string): ReadonlySet<string> {
    return new Set(
      this.#statement('SELECT destination FROM deliveries WHERE work_key = ?')
        .all(key)
        .map((r) => String(r.destination)),
    );
  }

  recordDelivery(key: string, destination: string): void {
    this.#statement(
      'INSERT INTO deliveries (work_key, destination, delivered_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    ).run(key, destination, now());
  }

  #statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Applies `set` to a running unit still leased by `holder`. */
  #owned(id: number, holder: string, set: string, ...values: (string | number | null)[]): boolean {
    const result = this.#statement(
      `UPDATE work SET ${set}, updated_at = ? WHERE id = ? AND state = 'running' AND lease_holder = ?`,
    ).run(...values, now(), id, holder);
    return result.changes > 0;
  }
}

function toUnit(r: unknown): Unit {
  const u = row.parse(r);
  return {
    id: u.id,
    kind: u.kind,
    key: u.key,
    payload: JSON.parse(u.payload) as unknown,
    state: u.state,
    attempts: u.attempts,
    notBefore: u.not_before,
    error: u.error_code === null ? null : { code: u.error_code, message: u.error_message ?? '' },
    handle: u.handle,
    result: u.result === null ? null : (JSON.parse(u.result) as unknown),
  };
}

/** A selector ending in ':' or '*' is the start of keys ('publish:', 'series:0.W*'); any other is
 * one whole key ('series:0.W' is not 'series:0.W3'). */
export function keyMatches(key: string, selector: string): boolean {
  if (selector.endsWith('*')) return key.startsWith(selector.slice(0, -1));
  if (selector.endsWith(':')) return key.startsWith(selector);
  return key === selector;
}
