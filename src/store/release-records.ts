import type { ReleaseRecords as ReleaseRecordsPort, SeriesRelease } from '../ports/store.ts';
import type { Database } from './database.ts';

/** One-off releases of held series (`patchferry release`), keyed by the Message-ID named. */
export class ReleaseRecords implements ReleaseRecordsPort {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  release(r: SeriesRelease): boolean {
    const result = this.#db
      .prepare(
        'INSERT INTO releases (message_id, released_by, released_at) VALUES (?, ?, ?) ON CONFLICT (message_id) DO NOTHING',
      )
      .run(r.messageId, r.by, r.at);
    return Number(result.changes) > 0;
  }

  among(ids: readonly string[]): SeriesRelease | undefined {
    if (ids.length === 0) return undefined;
    const row = this.#db
      .prepare(
        `SELECT message_id, released_by, released_at FROM releases WHERE message_id IN (${ids.map(() => '?').join(', ')})
         ORDER BY released_at LIMIT 1`,
      )
      .get(...ids);
    return row
      ? { messageId: String(row.message_id), by: String(row.released_by), at: String(row.released_at) }
      : undefined;
  }
}
