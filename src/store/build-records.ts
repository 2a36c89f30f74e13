import { z } from 'zod';
import type { BuildKey, BuildRecord, BuildRecords as BuildRecordsPort } from '../ports/store.ts';
import { now, type Database } from './database.ts';
import { integer, jsonStrings, maybeText, rows, text } from './rows.ts';

const buildRow = z
  .object({
    id: integer,
    project: text,
    branch: text,
    commit_id: text,
    platform: text,
    arch: text,
    state: z.enum(['running', 'succeeded', 'failed']),
    log_path: maybeText,
    rpms: jsonStrings,
    error: maybeText,
    created_at: text,
    published_url: maybeText,
    repo_file_url: maybeText,
  })
  .transform((r): BuildRecord => ({
    id: r.id,
    project: r.project,
    branch: r.branch,
    commit: r.commit_id,
    platform: r.platform,
    arch: r.arch,
    state: r.state,
    logPath: r.log_path,
    rpms: r.rpms,
    error: r.error,
    createdAt: r.created_at,
    publishedUrl: r.published_url,
    repoFileUrl: r.repo_file_url,
  }));

/** Builds keyed by (project, branch, commit, platform), so a retried job never builds twice. */
export class BuildRecords implements BuildRecordsPort {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** The build of this key, started now if none succeeded before. */
  start(key: BuildKey): BuildRecord {
    this.#db
      .prepare(
        `INSERT INTO builds (project, branch, commit_id, platform, arch, state, created_at) VALUES (?, ?, ?, ?, ?, 'running', ?)
         ON CONFLICT (project, branch, commit_id, platform) DO UPDATE SET state = 'running', error = NULL, created_at = excluded.created_at
         WHERE builds.state != 'succeeded'`,
      )
      .run(key.project, key.branch, key.commit, key.platform, key.arch, now());
    const started = this.find(key);
    if (!started)
      throw new Error(
        `build ${key.project}/${key.branch}@${key.commit} for ${key.platform} was not recorded`,
      );
    return started;
  }

  get(id: number): BuildRecord | undefined {
    return this.#list('WHERE b.id = ?', id)[0];
  }

  find(key: Omit<BuildKey, 'arch'>): BuildRecord | undefined {
    return this.#list(
      'WHERE project = ? AND branch = ? AND commit_id = ? AND platform = ?',
      key.project,
      key.branch,
      key.commit,
      key.platform,
    )[0];
  }

  finish(
    id: number,
    outcome: {
      state: 'succeeded' | 'failed';
      logPath: string | null;
      rpms: readonly string[];
      error: string | null;
    },
  ): void {
    this.#db
      .prepare('UPDATE builds SET state = ?, log_path = ?, rpms = ?, error = ?, finished_at = ? WHERE id = ?')
      .run(outcome.state, outcome.logPath, JSON.stringify(outcome.rpms), outcome.error, now(), id);
  }

  /** Succeeded builds that no repository serves yet. */
  unpublished(): BuildRecord[] {
    return this.#list(
      `WHERE state = 'succeeded' AND NOT EXISTS (SELECT 1 FROM publications p WHERE p.build_id = b.id)`,
    );
  }

  recordPublication(buildId: number, p: { path: string; url: string; repoFileUrl: string }): void {
    this.#db
      .prepare(
        'INSERT INTO publications (build_id, path, url, repo_file_url, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (build_id) DO NOTHING',
      )
      .run(buildId, p.path, p.url, p.repoFileUrl, now());
  }

  /** Builds of a branch at one commit, one per platform. */
  forCommit(project: string, branch: string, commit: string): BuildRecord[] {
    return this.#list('WHERE project = ? AND branch = ? AND commit_id = ?', project, branch, commit);
  }

  #list(where: string, ...params: (string | number)[]): BuildRecord[] {
    return rows(
      'builds',
      buildRow,
      this.#db
        .prepare(
          `SELECT b.*, p.url AS published_url, p.repo_file_url FROM builds b LEFT JOIN publications p ON p.build_id = b.id ${where} ORDER BY b.id`,
        )
        .all(...params),
    );
  }
}
