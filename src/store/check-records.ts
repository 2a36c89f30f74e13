import { z } from 'zod';
import type { BuildChecksRecord, CheckRecords as CheckRecordsPort } from '../ports/store.ts';
import { now, type Database } from './database.ts';
import { integer, jsonStrings, maybeText, rows, text } from './rows.ts';

const checkResults = z.array(
  z.object({
    name: z.string(),
    passed: z.boolean(),
    failure: z.string().nullable(),
    tail: z.string(),
    seconds: z.number(),
  }),
);

const checksRow = z
  .object({
    build_id: integer,
    state: z.enum(['passed', 'failed', 'not-installed', 'not-run']),
    testing_url: text,
    stable_url: maybeText,
    packages: jsonStrings,
    checks: z.string().transform((t) => checkResults.parse(JSON.parse(t))),
    tail: maybeText,
  })
  .transform((r): BuildChecksRecord => ({
    buildId: r.build_id,
    state: r.state,
    testingUrl: r.testing_url,
    stableUrl: r.stable_url,
    packages: r.packages,
    checks: r.checks,
    tail: r.tail,
  }));

/** The `build_checks` table: one row per tested build. */
export class CheckRecords implements CheckRecordsPort {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  record(r: Omit<BuildChecksRecord, 'stableUrl'>): void {
    this.#db
      .prepare(
        `INSERT INTO build_checks (build_id, state, testing_url, packages, checks, tail, checked_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (build_id) DO UPDATE SET state = excluded.state, testing_url = excluded.testing_url,
           packages = excluded.packages, checks = excluded.checks, tail = excluded.tail,
           checked_at = excluded.checked_at`,
      )
      .run(
        r.buildId,
        r.state,
        r.testingUrl,
        JSON.stringify(r.packages),
        JSON.stringify(r.checks),
        r.tail,
        now(),
      );
  }

  recordPromotion(buildId: number, stableUrl: string): void {
    this.#db.prepare('UPDATE build_checks SET stable_url = ? WHERE build_id = ?').run(stableUrl, buildId);
  }

  get(buildId: number): BuildChecksRecord | undefined {
    const found = this.#db.prepare('SELECT * FROM build_checks WHERE build_id = ?').all(buildId);
    return rows('build_checks', checksRow, found)[0];
  }
}
