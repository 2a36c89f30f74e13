import type { PositionRecords as PositionRecordsPort } from '../ports/store.ts';
import { now, type Database } from './database.ts';

/** How far each mail source has been read; moved only after the mails before it are recorded. */
export class PositionRecords implements PositionRecordsPort {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  get(source: string): string | null {
    const row = this.#db.prepare('SELECT position FROM source_positions WHERE source = ?').get(source);
    return row ? String(row.position) : null;
  }

  set(source: string, position: string): void {
    this.#db
      .prepare(
        `INSERT INTO source_positions (source, position, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (source) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
      )
      .run(source, position, now());
  }
}
