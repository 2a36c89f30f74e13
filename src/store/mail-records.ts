import { now, transaction, type Database } from './database.ts';

export type MailState = 'new' | 'pending' | 'final' | 'quarantined';

/** A mail as first recorded: the raw bytes and where they came from. */
export interface NewMail {
  readonly messageId: string;
  readonly raw: Buffer;
  readonly source: string;
  readonly position: string;
  readonly subject: string;
  readonly sender: string;
  /** The Message-IDs the mail answers (In-Reply-To, References). */
  readonly thread?: readonly string[];
}

export interface MailRecord extends NewMail {
  /** When patchferry first recorded the mail (ISO 8601). */
  readonly receivedAt: string;
  readonly state: MailState;
  readonly outcome: string | null;
  readonly reason: string | null;
}

/** Mails by Message-ID: the first sight is recorded, any later sight of the same id changes nothing. */
export class MailRecords {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Records a mail; false when its Message-ID was already recorded. */
  record(mail: NewMail): boolean {
    return transaction(this.#db, () => {
      const result = this.#db
        .prepare(
          `INSERT INTO mails (message_id, raw, source, position, received_at, subject, sender)
           VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING`,
        )
        .run(mail.messageId, mail.raw, mail.source, mail.position, now(), mail.subject, mail.sender);
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

  setState(
    messageId: string,
    state: MailState,
    outcome: string | null,
    reason: string | null,
    kind?: string,
  ): void {
    this.#db
      .prepare(
        'UPDATE mails SET state = ?, outcome = ?, reason = ?, kind = coalesce(?, kind) WHERE message_id = ?',
      )
      .run(state, outcome, reason, kind ?? null, messageId);
  }

  #rows(sql: string, ...params: string[]): MailRecord[] {
    return this.#db
      .prepare(sql)
      .all(...params)
      .map((r) => ({
        messageId: String(r.message_id),
        raw: Buffer.from(r.raw as Uint8Array),
        source: String(r.source),
        position: String(r.position),
        subject: String(r.subject),
        sender: String(r.sender),
        receivedAt: String(r.received_at),
        state: r.state as MailState,
        outcome: (r.outcome as string | null) ?? null,
        reason: (r.reason as string | null) ?? null,
      }));
  }
}
