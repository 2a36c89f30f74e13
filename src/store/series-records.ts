import { now, transaction, type Database } from './database.ts';

export type SeriesState = 'incomplete' | 'complete' | 'applied' | 'failed' | 'superseded';

export interface SeriesRecord {
  readonly id: string;
  readonly project: string;
  readonly branch: string;
  readonly version: number;
  readonly total: number;
  readonly title: string;
  readonly sender: string;
  readonly state: SeriesState;
  readonly supersedes: string | null;
  /** b4's topic id, shared by every version of the series. */
  readonly changeId?: string | null;
  /** What the patches change, once complete (series/fingerprint.ts). */
  readonly fingerprint?: string | null;
  /** Message-IDs of the patches, by part. */
  readonly patches: ReadonlyMap<number, string>;
}

export interface PushRecord {
  readonly seriesId: string;
  readonly project: string;
  readonly branch: string;
  readonly base: string;
  readonly head: string;
}

export interface ApplicationRecord {
  readonly seriesId: string;
  readonly project: string;
  readonly branch: string;
  readonly state: 'applied' | 'failed';
  readonly baseCommit: string | null;
  readonly headCommit: string | null;
  readonly failedPart: number | null;
  readonly detail: string;
  readonly createdAt: string;
  /** The branch tip whose build contains this series, once built. */
  readonly buildCommit?: string | null;
}

/** Series, their parts and what happened when they were applied. */
export class SeriesRecords {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  save(series: Omit<SeriesRecord, 'state'> & { state: SeriesState }): void {
    transaction(this.#db, () => {
      const t = now();
      this.#db
        .prepare(
          `INSERT INTO series (id, project, branch, version, total, title, sender, state, supersedes, change_id, fingerprint, first_seen, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET total = excluded.total, title = excluded.title, state = excluded.state,
             supersedes = excluded.supersedes, change_id = excluded.change_id, fingerprint = excluded.fingerprint,
             updated_at = excluded.updated_at`,
        )
        .run(
          series.id,
          series.project,
          series.branch,
          series.version,
          series.total,
          series.title,
          series.sender,
          series.state,
          series.supersedes,
          series.changeId ?? null,
          series.fingerprint ?? null,
          t,
          t,
        );
      const insert = this.#db.prepare(
        'INSERT INTO patches (series_id, part, message_id) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET message_id = excluded.message_id',
      );
      for (const [part, id] of series.patches) insert.run(series.id, part, id);
    });
  }

  setState(id: string, state: SeriesState): void {
    this.#db.prepare('UPDATE series SET state = ?, updated_at = ? WHERE id = ?').run(state, now(), id);
  }

  /** The recorded series a mail belongs to, as its cover letter (the series id) or one of its parts. */
  containing(messageId: string): SeriesRecord | undefined {
    return this.#list(
      `SELECT * FROM series WHERE id = ? OR id IN (SELECT series_id FROM patches WHERE message_id = ?)
       ORDER BY first_seen DESC LIMIT 1`,
      messageId,
      messageId,
    )[0];
  }

  get(id: string): SeriesRecord | undefined {
    return this.#list('SELECT * FROM series WHERE id = ?', id)[0];
  }

  /** The newest earlier version of a series recorded by an earlier run: one the series points at
   * (its mails reply to it, or name it in "Supersedes:"), else one from the same sender with the same
   * title. Assembly links versions among the mails of one run; this links them across runs. */
  earlierVersion(q: {
    readonly id: string;
    readonly version: number;
    readonly sender: string;
    readonly title: string;
    readonly pointsAt: readonly string[];
    readonly changeId: string | null;
    /** A resend of the same version also replaces the earlier sending. */
    readonly resend: boolean;
  }): string | null {
    const older = q.resend ? '<=' : '<';
    if (q.pointsAt.length > 0) {
      const marks = q.pointsAt.map(() => '?').join(', ');
      const row = this.#db
        .prepare(
          `SELECT s.id FROM series s WHERE s.id <> ? AND s.version ${older} ?
             AND (s.id IN (${marks}) OR EXISTS (SELECT 1 FROM patches p WHERE p.series_id = s.id AND p.message_id IN (${marks})))
           ORDER BY s.version DESC, s.first_seen DESC LIMIT 1`,
        )
        .get(q.id, q.version, ...q.pointsAt, ...q.pointsAt);
      if (row) return String(row.id);
    }
    const row = this.#db
      .prepare(
        `SELECT id FROM series WHERE id <> ? AND version ${older} ?
           AND ((sender = ? AND title = ?) OR (change_id IS NOT NULL AND change_id = ?))
         ORDER BY version DESC, first_seen DESC LIMIT 1`,
      )
      .get(q.id, q.version, q.sender, q.title, q.changeId);
    return row ? String(row.id) : null;
  }

  /** Another series with the same changes already applied to the same branch: what an identical
   * resend repeats. */
  appliedTwin(fingerprint: string, project: string, branch: string, exceptId: string): string | null {
    const row = this.#db
      .prepare(
        `SELECT id FROM series WHERE fingerprint = ? AND project = ? AND branch = ? AND id <> ? AND state = 'applied'
         ORDER BY first_seen LIMIT 1`,
      )
      .get(fingerprint, project, branch, exceptId);
    return row ? String(row.id) : null;
  }

  all(): SeriesRecord[] {
    return this.#list('SELECT * FROM series ORDER BY first_seen, rowid');
  }

  /** Notes that `head` is about to be pushed for a series, before the push: the key that makes a
   * crash between push and record harmless. */
  recordPush(push: PushRecord): void {
    this.#db
      .prepare(
        `INSERT INTO pushes (series_id, project, branch, base_commit, head_commit, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (series_id) DO UPDATE SET project = excluded.project, branch = excluded.branch,
           base_commit = excluded.base_commit, head_commit = excluded.head_commit, created_at = excluded.created_at`,
      )
      .run(push.seriesId, push.project, push.branch, push.base, push.head, now());
  }

  /** A push noted for the series but never followed by its application record. */
  pushInFlight(seriesId: string): PushRecord | undefined {
    const r = this.#db.prepare('SELECT * FROM pushes WHERE series_id = ?').get(seriesId);
    return r
      ? {
          seriesId: String(r.series_id),
          project: String(r.project),
          branch: String(r.branch),
          base: String(r.base_commit),
          head: String(r.head_commit),
        }
      : undefined;
  }

  /** Records the outcome of applying a series; any push noted for it is settled by this. */
  recordApplication(app: Omit<ApplicationRecord, 'createdAt'>): void {
    transaction(this.#db, () => {
      this.#insertApplication(app);
      this.#db.prepare('DELETE FROM pushes WHERE series_id = ?').run(app.seriesId);
    });
  }

  #insertApplication(app: Omit<ApplicationRecord, 'createdAt'>): void {
    this.#db
      .prepare(
        `INSERT INTO applications (series_id, project, branch, state, base_commit, head_commit, failed_part, detail, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        app.seriesId,
        app.project,
        app.branch,
        app.state,
        app.baseCommit,
        app.headCommit,
        app.failedPart,
        app.detail,
        now(),
      );
  }

  /** Series applied to a branch since its last build are contained in the build of `commit`. */
  markBuilt(project: string, branch: string, commit: string): void {
    this.#db
      .prepare(
        `UPDATE applications SET build_commit = ? WHERE project = ? AND branch = ? AND state = 'applied' AND build_commit IS NULL`,
      )
      .run(commit, project, branch);
  }

  /** (project, branch) pairs with applied series no build has picked up yet. */
  unbuiltBranches(): { project: string; branch: string }[] {
    return this.#db
      .prepare(
        `SELECT DISTINCT project, branch FROM applications WHERE state = 'applied' AND build_commit IS NULL ORDER BY project, branch`,
      )
      .all()
      .map((r) => ({ project: String(r.project), branch: String(r.branch) }));
  }

  /** The latest attempt to apply a series, if any. */
  application(seriesId: string): ApplicationRecord | undefined {
    const r = this.#db
      .prepare('SELECT * FROM applications WHERE series_id = ? ORDER BY id DESC LIMIT 1')
      .get(seriesId);
    if (!r) return undefined;
    return {
      seriesId: String(r.series_id),
      project: String(r.project),
      branch: String(r.branch),
      state: r.state as ApplicationRecord['state'],
      baseCommit: (r.base_commit as string | null) ?? null,
      headCommit: (r.head_commit as string | null) ?? null,
      failedPart: (r.failed_part as number | null) ?? null,
      detail: String(r.detail ?? ''),
      createdAt: String(r.created_at),
      buildCommit: (r.build_commit as string | null) ?? null,
    };
  }

  #list(sql: string, ...params: string[]): SeriesRecord[] {
    const parts = this.#db.prepare('SELECT part, message_id FROM patches WHERE series_id = ? ORDER BY part');
    return this.#db
      .prepare(sql)
      .all(...params)
      .map((r) => ({
        id: String(r.id),
        project: String(r.project),
        branch: String(r.branch),
        version: Number(r.version),
        total: Number(r.total),
        title: String(r.title),
        sender: String(r.sender),
        state: r.state as SeriesState,
        supersedes: (r.supersedes as string | null) ?? null,
        patches: new Map(parts.all(String(r.id)).map((p) => [Number(p.part), String(p.message_id)])),
      }));
  }
}
