import { z } from 'zod';
import type {
  BuildRow,
  Counts,
  DeadUnitRow,
  MergeRequestRow,
  Overview as OverviewPort,
  PublicationRow,
  QueuedBuildRow,
  SeriesRow,
} from '../ports/overview.ts';
import { now, transaction, type Database } from './database.ts';
import { integer, maybeText, rows, text } from './rows.ts';

/** Every query the console, /metrics, /readyz and the daily summary make, read only but for the
 * heartbeat: the tables' names and columns are spelled here and nowhere else in what they read. */

const seriesRow = z
  .object({
    id: text,
    project: text,
    branch: text,
    version: integer,
    total: integer,
    title: text,
    sender: text,
    state: text,
    first_seen: text,
    updated_at: text,
    mr_url: maybeText,
  })
  .transform((r): SeriesRow => ({
    id: r.id,
    project: r.project,
    branch: r.branch,
    version: r.version,
    total: r.total,
    title: r.title,
    sender: r.sender,
    state: r.state,
    firstSeen: r.first_seen,
    updatedAt: r.updated_at,
    mergeRequestUrl: r.mr_url,
  }));
const SERIES = `SELECT s.id, s.project, s.branch, s.version, s.total, s.title, s.sender, s.state, s.first_seen,
  s.updated_at, m.url AS mr_url FROM series s LEFT JOIN merge_requests m ON m.series_id = s.id`;

const mergeRequestRow = z
  .object({
    series_id: text,
    project: text,
    iid: integer,
    url: text,
    state: text,
    source_branch: text,
    target_branch: text,
    title: maybeText,
    updated_at: text,
  })
  .transform((r): MergeRequestRow => ({
    seriesId: r.series_id,
    project: r.project,
    number: r.iid,
    url: r.url,
    state: r.state,
    sourceBranch: r.source_branch,
    targetBranch: r.target_branch,
    title: r.title,
    updatedAt: r.updated_at,
  }));

const buildRow = z
  .object({
    id: integer,
    project: text,
    branch: text,
    commit_id: text,
    platform: text,
    state: text,
    created_at: text,
    finished_at: maybeText,
    log_path: maybeText,
    error: maybeText,
  })
  .transform((r): BuildRow => ({
    id: r.id,
    project: r.project,
    branch: r.branch,
    commit: r.commit_id,
    target: r.platform,
    state: r.state,
    startedAt: r.created_at,
    finishedAt: r.finished_at,
    logPath: r.log_path,
    error: r.error,
  }));
const BUILDS = `SELECT id, project, branch, commit_id, platform, state, created_at, finished_at, log_path, error
  FROM builds`;

const queuedRow = z
  .object({
    key: text,
    project: maybeText,
    branch: maybeText,
    commit_id: maybeText,
    platform: maybeText,
    state: text,
    created_at: text,
  })
  .transform((r): QueuedBuildRow => ({
    key: r.key,
    project: r.project ?? '',
    branch: r.branch ?? '',
    commit: r.commit_id ?? '',
    target: r.platform ?? '',
    state: r.state,
    queuedAt: r.created_at,
  }));

const publicationRow = z
  .object({
    project: text,
    branch: text,
    platform: text,
    commit_id: text,
    url: text,
    repo_file_url: maybeText,
    created_at: text,
    tests_state: z.enum(['passed', 'failed', 'not-installed', 'not-run']).nullable(),
    testing_url: maybeText,
    stable_url: maybeText,
  })
  .transform((r): PublicationRow => ({
    project: r.project,
    branch: r.branch,
    target: r.platform,
    commit: r.commit_id,
    url: r.url,
    repoFileUrl: r.repo_file_url,
    publishedAt: r.created_at,
    tests:
      r.tests_state && r.testing_url
        ? { state: r.tests_state, testingUrl: r.testing_url, stableUrl: r.stable_url }
        : null,
  }));

const deadRow = z
  .object({
    key: text,
    kind: text,
    attempts: integer,
    error_code: maybeText,
    error_message: maybeText,
    updated_at: text,
  })
  .transform((r): DeadUnitRow => ({
    key: r.key,
    kind: r.kind,
    attempts: r.attempts,
    code: r.error_code,
    message: r.error_message,
    updatedAt: r.updated_at,
  }));

const countRow = z.object({ a: text, b: text.optional(), n: integer });

/** The read side of the state database for the daemon (ports/overview.ts). */
export class Overview implements OverviewPort {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  recentSeries(limit: number): SeriesRow[] {
    return rows(
      'series',
      seriesRow,
      this.#db.prepare(`${SERIES} ORDER BY s.updated_at DESC, s.rowid DESC LIMIT ?`).all(limit),
    );
  }

  recentMergeRequests(limit: number): MergeRequestRow[] {
    return rows(
      'merge_requests',
      mergeRequestRow,
      this.#db
        .prepare(
          `SELECT m.series_id, m.project, m.iid, m.url, m.state, m.source_branch, m.target_branch, s.title,
             m.updated_at FROM merge_requests m LEFT JOIN series s ON s.id = m.series_id
           ORDER BY m.updated_at DESC LIMIT ?`,
        )
        .all(limit),
    );
  }

  recentBuilds(limit: number): BuildRow[] {
    return rows('builds', buildRow, this.#db.prepare(`${BUILDS} ORDER BY id DESC LIMIT ?`).all(limit));
  }

  queuedBuilds(): QueuedBuildRow[] {
    return rows(
      'work',
      queuedRow,
      this.#db
        .prepare(
          `SELECT key, json_extract(payload, '$.project') AS project, json_extract(payload, '$.branch') AS branch,
             json_extract(payload, '$.commit') AS commit_id, json_extract(payload, '$.platform') AS platform,
             state, created_at
           FROM work WHERE kind = 'build' AND state IN ('pending', 'failed', 'running') ORDER BY id`,
        )
        .all(),
    );
  }

  publications(): PublicationRow[] {
    return rows(
      'publications',
      publicationRow,
      this.#db
        .prepare(
          `SELECT b.project, b.branch, b.platform, b.commit_id, p.url, p.repo_file_url, p.created_at,
             c.state AS tests_state, c.testing_url, c.stable_url
           FROM publications p JOIN builds b ON b.id = p.build_id
           LEFT JOIN build_checks c ON c.build_id = b.id
           WHERE p.id = (SELECT max(p2.id) FROM publications p2 JOIN builds b2 ON b2.id = p2.build_id
                         WHERE b2.project = b.project AND b2.branch = b.branch AND b2.platform = b.platform)
           ORDER BY b.project, b.branch, b.platform`,
        )
        .all(),
    );
  }

  deadUnits(limit: number): DeadUnitRow[] {
    return rows(
      'work',
      deadRow,
      this.#db
        .prepare(
          `SELECT key, kind, attempts, error_code, error_message, updated_at FROM work WHERE state = 'dead'
           ORDER BY updated_at DESC, id DESC LIMIT ?`,
        )
        .all(limit),
    );
  }

  counts(): Counts {
    const pairs = (sql: string) => rows('counts', countRow, this.#db.prepare(sql).all());
    return {
      mails: pairs('SELECT state AS a, count(*) AS n FROM mails GROUP BY state').map((r) => ({
        state: r.a,
        n: r.n,
      })),
      series: pairs('SELECT state AS a, count(*) AS n FROM series GROUP BY state').map((r) => ({
        state: r.a,
        n: r.n,
      })),
      mergeRequests: pairs('SELECT state AS a, count(*) AS n FROM merge_requests GROUP BY state').map(
        (r) => ({ state: r.a, n: r.n }),
      ),
      builds: pairs(
        'SELECT platform AS a, state AS b, count(*) AS n FROM builds GROUP BY platform, state',
      ).map((r) => ({ target: r.a, state: r.b ?? '', n: r.n })),
      units: pairs(
        `SELECT kind AS a, state AS b, count(*) AS n FROM work WHERE state != 'done' GROUP BY kind, state`,
      ).map((r) => ({ kind: r.a, state: r.b ?? '', n: r.n })),
    };
  }

  activitySince(since: string): { series: SeriesRow[]; builds: BuildRow[] } {
    return {
      series: rows(
        'series',
        seriesRow,
        this.#db.prepare(`${SERIES} WHERE s.first_seen >= ? ORDER BY s.first_seen, s.rowid`).all(since),
      ),
      builds: rows(
        'builds',
        buildRow,
        this.#db.prepare(`${BUILDS} WHERE created_at >= ? ORDER BY id`).all(since),
      ),
    };
  }

  oldestDue(at: number): number | null {
    const row = this.#db
      .prepare(
        `SELECT min(not_before) AS due FROM work WHERE state IN ('pending', 'failed') AND not_before <= ?`,
      )
      .get(at);
    return typeof row?.due === 'number' ? row.due : null;
  }

  probeWrite(): void {
    transaction(this.#db, () =>
      this.#db
        .prepare(
          `INSERT INTO source_positions (source, position, updated_at) VALUES ('patchferry:heartbeat', ?, ?)
           ON CONFLICT (source) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
        )
        .run(now(), now()),
    );
  }
}
