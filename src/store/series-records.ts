import { z } from 'zod';
import type {
  ApplicationRecord,
  PushRecord,
  SeriesRecord,
  SeriesRecords as SeriesRecordsPort,
  SeriesState,
} from '../ports/store.ts';
import { now, transaction, type Database } from './database.ts';
import { integer, maybeText, rows, text } from './rows.ts';

const seriesRow = z.object({
  id: text,
  project: text,
  branch: text,
  version: integer,
  total: integer,
  title: text,
  sender: text,
  state: z.enum(['incomplete', 'complete', 'applied', 'failed', 'superseded']),
  supersedes: maybeText,
  change_id: maybeText,
  fingerprint: maybeText,
});

const applicationRow = z
  .object({
    series_id: text,
    project: text,
    branch: text,
    state: z.enum(['applied', 'failed']),
    base_commit: maybeText,
    head_commit: maybeText,
    failed_part: integer.nullable(),
    merge_request: maybeText,
    created_at: text,
    build_commit: maybeText,
  })
  .transform((r): ApplicationRecord => ({
    seriesId: r.series_id,
    project: r.project,
    branch: r.branch,
    state: r.state,
    baseCommit: r.base_commit,
    headCommit: r.head_commit,
    failedPart: r.failed_part,
    mergeRequest: r.merge_request,
    createdAt: r.created_at,
    buildCommit: r.build_commit,
  }));

const pushRow = z
  .object({ series_id: text, project: text, branch: text, base_commit: text, head_commit: text })
  .transform((r): PushRecord => ({
    seriesId: r.series_id,
    project: r.project,
    branch: r.branch,
    base: r.base_commit,
    head: r.head_commit,
  }));

const partRow = z.object({ part: integer, message_id: text });

/** Series, their parts and what happened when they were applied. */
export class SeriesRecords implements SeriesRecordsPort {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  waiting(): { id: string; have: number; total: number }[] {
    return this.#db
      .prepare(
        `SELECT s.id, s.total, count(*) AS have FROM series s
         JOIN patches p ON p.series_id = s.id JOIN mails m ON m.message_id = p.message_id
         WHERE s.state = 'incomplete' AND m.state = 'pending' GROUP BY s.id ORDER BY s.rowid`,
      )
      .all()
      .map((r) => ({ id: String(r.id), have: Number(r.have), total: Number(r.total) }));
  }

  save(series: SeriesRecord): void {
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

  versionCandidates(q: {
    readonly id: string;
    readonly pointsAt: readonly string[];
    readonly sender: string;
    readonly title: string;
    readonly changeId: string | null;
  }): SeriesRecord[] {
    const marks = q.pointsAt.map(() => '?').join(', ') || 'NULL';
    return this.#list(
      `SELECT * FROM series s WHERE s.id <> ? AND (
         s.id IN (${marks})
         OR EXISTS (SELECT 1 FROM patches p WHERE p.series_id = s.id AND p.message_id IN (${marks}))
         OR (lower(s.sender) = lower(?) AND s.title = ?) OR (s.change_id IS NOT NULL AND s.change_id = ?))
       ORDER BY s.first_seen, s.rowid`,
      q.id,
      ...q.pointsAt,
      ...q.pointsAt,
      q.sender,
      q.title,
      q.changeId ?? '',
    );
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

  awaitingReport(): { series: SeriesRecord; application: ApplicationRecord }[] {
    // The latest application of each series, once its branch was built, whose build report
    // of every target built (series:<id>:built:<commit>, see reportKey in app/report/series-report.ts)
    // is not queued yet.
    const found = rows(
      'applications',
      applicationRow,
      this.#db
        .prepare(
          `SELECT a.* FROM applications a WHERE a.state = 'applied' AND a.build_commit IS NOT NULL
             AND a.id = (SELECT max(id) FROM applications b WHERE b.series_id = a.series_id)
             AND NOT EXISTS (SELECT 1 FROM work w WHERE w.key = 'series:' || a.series_id || ':built:' || a.build_commit)
           ORDER BY a.id`,
        )
        .all(),
    );
    return found.flatMap((application) => {
      const series = this.get(application.seriesId);
      return series ? [{ series, application }] : [];
    });
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
    return rows(
      'pushes',
      pushRow,
      this.#db.prepare('SELECT * FROM pushes WHERE series_id = ?').all(seriesId),
    )[0];
  }

  /** Records the outcome of applying a series; any push noted for it is settled by this. */
  recordApplication(app: Omit<ApplicationRecord, 'createdAt' | 'buildCommit'>): void {
    transaction(this.#db, () => {
      this.#insertApplication(app);
      this.#db.prepare('DELETE FROM pushes WHERE series_id = ?').run(app.seriesId);
    });
  }

  #insertApplication(app: Omit<ApplicationRecord, 'createdAt' | 'buildCommit'>): void {
    this.#db
      .prepare(
        `INSERT INTO applications (series_id, project, branch, state, base_commit, head_commit, failed_part, merge_request, created_at)
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
        app.mergeRequest,
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

  proposedInBuild(project: string, branch: string, commit: string): string[] {
    return this.#db
      .prepare(
        `SELECT DISTINCT series_id FROM applications WHERE project = ? AND branch = ? AND build_commit = ?
           AND state = 'applied' AND merge_request IS NOT NULL ORDER BY series_id`,
      )
      .all(project, branch, commit)
      .map((r) => String(r.series_id));
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
    return rows(
      'applications',
      applicationRow,
      this.#db
        .prepare('SELECT * FROM applications WHERE series_id = ? ORDER BY id DESC LIMIT 1')
        .all(seriesId),
    )[0];
  }

  #list(sql: string, ...params: string[]): SeriesRecord[] {
    const parts = this.#db.prepare('SELECT part, message_id FROM patches WHERE series_id = ? ORDER BY part');
    return rows('series', seriesRow, this.#db.prepare(sql).all(...params)).map((r) => ({
      id: r.id,
      project: r.project,
      branch: r.branch,
      version: r.version,
      total: r.total,
      title: r.title,
      sender: r.sender,
      state: r.state,
      supersedes: r.supersedes,
      changeId: r.change_id,
      fingerprint: r.fingerprint,
      patches: new Map(rows('patches', partRow, parts.all(r.id)).map((p) => [p.part, p.message_id])),
    }));
  }
}
