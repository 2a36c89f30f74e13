import { z } from 'zod';
import type {
  DuplicateMail,
  MailOutcome,
  MailRecord,
  MailRecords as MailRecordsPort,
  NewMail,
  OpenMailHead,
} from '../ports/store.ts';
import { now, transaction, type Database } from './database.ts';
import { authenticitySchema } from './authenticity-schema.ts';
import type { Authenticity } from '../trust/authenticity.ts';
import { maybeText, rows, text } from './rows.ts';

const mailRow = z
  .object({
    message_id: text,
    raw: z.instanceof(Uint8Array),
    source: text,
    position: text,
    subject: text,
    sender: text,
    received_at: text,
    state: z.enum(['new', 'pending', 'final', 'quarantined']),
    outcome: maybeText,
    reason: maybeText,
    authenticity: maybeText,
    history: z.number(),
  })
  .transform((r): MailRecord => ({
    messageId: r.message_id,
    // A view of the bytes SQLite gave, not a copy: a mail with a 5 MB attachment is read whole.
    raw: Buffer.from(r.raw.buffer, r.raw.byteOffset, r.raw.byteLength),
    source: r.source,
    position: r.position,
    subject: r.subject,
    sender: r.sender,
    receivedAt: r.received_at,
    state: r.state,
    outcome: r.outcome,
    reason: r.reason,
    authenticity: r.authenticity === null ? null : authenticitySchema.parse(JSON.parse(r.authenticity)),
    history: r.history === 1,
  }));

/** Mails by Message-ID: the first sight is recorded, any later sight of the same id changes nothing. */
export class MailRecords implements MailRecordsPort {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Records a mail; false when its Message-ID was already recorded. */
  record(mail: NewMail): boolean {
    return transaction(this.#db, () => {
      const result = this.#db
        .prepare(
          `INSERT INTO mails (message_id, raw, source, position, received_at, subject, sender, authenticity, history)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING`,
        )
        .run(
          mail.messageId,
          mail.raw,
          mail.source,
          mail.position,
          now(),
          mail.subject,
          mail.sender,
          mail.authenticity ? JSON.stringify(mail.authenticity) : null,
          mail.history ? 1 : 0,
        );
      if (result.changes === 0) return false;
      const answer = this.#db.prepare(
        'INSERT OR IGNORE INTO mail_thread (message_id, answers) VALUES (?, ?)',
      );
      for (const id of mail.thread ?? []) answer.run(mail.messageId, id);
      return true;
    });
  }

  /** Recorded mails that answer any of `ids` (replies, anywhere below them in the thread). */
  answering(ids: readonly string[]): MailRecord[] {
    if (ids.length === 0) return [];
    const marks = ids.map(() => '?').join(', ');
    return this.#rows(
      `SELECT * FROM mails WHERE message_id IN (SELECT message_id FROM mail_thread WHERE answers IN (${marks})) ORDER BY rowid`,
      ...ids,
    );
  }

  /** Recorded mails by Message-ID, in recording order. */
  many(ids: readonly string[]): MailRecord[] {
    if (ids.length === 0) return [];
    return this.#rows(
      `SELECT * FROM mails WHERE message_id IN (${ids.map(() => '?').join(', ')}) ORDER BY rowid`,
      ...ids,
    );
  }

  /** Mails whose outcome is not final yet: new ones and parts of series still waiting. */
  open(): MailRecord[] {
    return this.#rows(`SELECT * FROM mails WHERE state IN ('new', 'pending') ORDER BY rowid`);
  }

  /** Mails of `source` whose outcome is final but whose mailbox does not say so yet. */
  unsettled(source: string): { messageId: string; position: string }[] {
    return this.#db
      .prepare(
        `SELECT message_id, position FROM mails
         WHERE source = ? AND settled = 0 AND state IN ('final', 'quarantined') ORDER BY rowid`,
      )
      .all(source)
      .map((r) => ({ messageId: String(r.message_id), position: String(r.position) }));
  }

  /** A mail seen again by the source that first delivered it, at another position (its folder was
   * rebuilt under a new UIDVALIDITY): the new position is where the mailbox's mark must go. */
  relocate(messageId: string, source: string, position: string): void {
    this.#db
      .prepare(
        'UPDATE mails SET position = ?, settled = 0 WHERE message_id = ? AND source = ? AND position <> ?',
      )
      .run(position, messageId, source, position);
  }

  markSettled(messageIds: readonly string[]): void {
    const update = this.#db.prepare('UPDATE mails SET settled = 1 WHERE message_id = ?');
    for (const id of messageIds) update.run(id);
  }

  get(messageId: string): MailRecord | undefined {
    return this.#rows('SELECT * FROM mails WHERE message_id = ?', messageId)[0];
  }

  all(): MailRecord[] {
    return this.#rows('SELECT * FROM mails ORDER BY rowid');
  }

  firstReceived(source: string): string | null {
    const row = this.#db.prepare('SELECT min(received_at) AS t FROM mails WHERE source = ?').get(source);
    return typeof row?.t === 'string' ? row.t : null;
  }

  setState(messageId: string, o: MailOutcome): void {
    this.#db
      .prepare(
        'UPDATE mails SET state = ?, outcome = ?, reason = ?, kind = coalesce(?, kind) WHERE message_id = ?',
      )
      .run(o.state, o.outcome, o.reason ?? null, o.kind ?? null, messageId);
  }

  setAuthenticity(messageId: string, authenticity: Authenticity): void {
    this.#db
      .prepare('UPDATE mails SET authenticity = ? WHERE message_id = ?')
      .run(JSON.stringify(authenticity), messageId);
  }

  openHeads(): OpenMailHead[] {
    const heads = new Map<string, OpenMailHead & { answers: string[] }>();
    const all = this.#db
      .prepare(
        `SELECT m.message_id, m.sender, m.received_at, m.state, t.answers FROM mails m
         LEFT JOIN mail_thread t ON t.message_id = m.message_id
         WHERE m.state IN ('new', 'pending') ORDER BY m.rowid`,
      )
      .all();
    for (const r of all) {
      const id = String(r.message_id);
      let head = heads.get(id);
      if (!head) {
        head = {
          messageId: id,
          sender: String(r.sender),
          receivedAt: String(r.received_at),
          state: r.state === 'new' ? 'new' : 'pending',
          answers: [],
        };
        heads.set(id, head);
      }
      if (r.answers !== null) head.answers.push(String(r.answers));
    }
    return [...heads.values()];
  }

  countFrom(sender: string, seconds: number): number {
    const since = new Date(Date.now() - seconds * 1000).toISOString();
    const row = this.#db
      .prepare('SELECT count(*) AS n FROM mails WHERE sender = ? AND received_at >= ?')
      .get(sender, since);
    return Number(row?.n ?? 0);
  }

  recordDuplicate(d: DuplicateMail): boolean {
    const result = this.#db
      .prepare(
        `INSERT INTO mail_duplicates (message_id, first_sha256, other_sha256, source, position, seen_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .run(d.messageId, d.firstSha256, d.otherSha256, d.source, d.position, now());
    return result.changes > 0;
  }

  duplicates(messageId: string): DuplicateMail[] {
    return this.#db
      .prepare('SELECT * FROM mail_duplicates WHERE message_id = ? ORDER BY rowid')
      .all(messageId)
      .map((r) => ({
        messageId: String(r.message_id),
        firstSha256: String(r.first_sha256),
        otherSha256: String(r.other_sha256),
        source: String(r.source),
        position: String(r.position),
      }));
  }

  #rows(sql: string, ...params: string[]): MailRecord[] {
    return rows('mails', mailRow, this.#db.prepare(sql).all(...params));
  }
}
