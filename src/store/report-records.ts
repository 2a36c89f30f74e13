import { now, type Database } from './database.ts';

export interface ReportRecord {
  /** What the report is about and at which stage; the same key is never reported twice. */
  readonly key: string;
  readonly kind: string;
  readonly seriesId: string | null;
  readonly recipients: readonly string[];
  readonly subject: string;
  readonly inReplyTo: string | null;
  readonly references: readonly string[];
  readonly body: string;
}

export class ReportRecords {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Queues a report unless one with the same key was queued before; true when queued now. */
  queue(report: ReportRecord): boolean {
    const result = this.#db
      .prepare(
        `INSERT INTO reports (key, kind, series_id, recipients, refs, subject, in_reply_to, body, state, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT (key) DO NOTHING`,
      )
      .run(
        report.key,
        report.kind,
        report.seriesId,
        JSON.stringify(report.recipients),
        JSON.stringify(report.references),
        report.subject,
        report.inReplyTo,
        report.body,
        now(),
      );
    return result.changes > 0;
  }

  has(key: string): boolean {
    return this.#db.prepare('SELECT 1 FROM reports WHERE key = ?').get(key) !== undefined;
  }

  pending(): ReportRecord[] {
    return this.#db
      .prepare(`SELECT * FROM reports WHERE state = 'pending' ORDER BY created_at, rowid`)
      .all()
      .map((r) => {
        return {
          key: String(r.key),
          kind: String(r.kind),
          seriesId: (r.series_id as string | null) ?? null,
          recipients: JSON.parse(String(r.recipients)) as string[],
          subject: String(r.subject),
          inReplyTo: (r.in_reply_to as string | null) ?? null,
          references: JSON.parse(String(r.refs)) as string[],
          body: String(r.body),
        };
      });
  }

  markSent(key: string): void {
    this.#db.prepare(`UPDATE reports SET state = 'sent', sent_at = ? WHERE key = ?`).run(now(), key);
  }
}
