import { z } from 'zod';
import type {
  BuildKey,
  BuildOutcomeRecord,
  BuildRecord,
  BuildRecords as BuildRecordsPort,
} from '../ports/store.ts';
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
    log_url: maybeText,
    rpms: jsonStrings,
    error: maybeText,
    created_at: text,
    published_url: maybeText,
    repo_file_url: maybeText,
    scratch: integer,
    arch_builds: z.string().transform((t) => archBuilds.parse(JSON.parse(t))),
    srpm: maybeText,
    release: maybeText,
    failure_class: z.enum(['infrastructure', 'patch']).nullable(),
    error_lines: jsonStrings,
    retries: integer,
    task_id: integer.nullable(),
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
    logUrl: r.log_url,
    rpms: r.rpms,
    error: r.error,
    createdAt: r.created_at,
    publishedUrl: r.published_url,
    repoFileUrl: r.repo_file_url,
    scratch: r.scratch === 1,
    archBuilds: r.arch_builds,
    srpm: r.srpm,
    release: r.release,
    failureClass: r.failure_class,
    errorLines: r.error_lines,
    retries: r.retries,
    taskId: r.task_id,
  }));

const archBuilds = z.array(
  z.object({
    arch: z.string(),
    state: z.enum(['succeeded', 'failed', 'skipped']),
    rpms: z.array(z.string()),
    log: z.string().nullable(),
    reason: z.string().nullable(),
  }),
);

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
        `INSERT INTO builds (project, branch, commit_id, platform, arch, scratch, state, created_at) VALUES (?, ?, ?, ?, ?, ?, 'running', ?)
         ON CONFLICT (project, branch, commit_id, platform) DO UPDATE SET state = 'running', error = NULL,
           failure_class = NULL, error_lines = '[]', arch = excluded.arch, created_at = excluded.created_at
         WHERE builds.state != 'succeeded'`,
      )
      .run(key.project, key.branch, key.commit, key.platform, key.arch, key.scratch ? 1 : 0, now());
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

  find(key: Omit<BuildKey, 'arch' | 'scratch'>): BuildRecord | undefined {
    return this.#list(
      'WHERE project = ? AND branch = ? AND commit_id = ? AND platform = ?',
      key.project,
      key.branch,
      key.commit,
      key.platform,
    )[0];
  }

  finish(id: number, o: BuildOutcomeRecord): void {
    this.#db
      .prepare(
        `UPDATE builds SET state = ?, log_path = ?, log_url = ?, rpms = ?, error = ?, arch_builds = ?, srpm = ?, release = ?,
           failure_class = ?, error_lines = ?, retries = ?, task_id = coalesce(?, task_id), finished_at = ? WHERE id = ?`,
      )
      .run(
        o.state,
        o.logPath,
        o.logUrl ?? null,
        JSON.stringify(o.rpms),
        o.error,
        JSON.stringify(o.archBuilds ?? []),
        o.srpm ?? null,
        o.release ?? null,
        o.failureClass ?? null,
        JSON.stringify(o.errorLines ?? []),
        o.retries ?? 0,
        o.taskId ?? null,
        now(),
        id,
      );
  }

  recordTask(id: number, taskId: number): void {
    this.#db.prepare('UPDATE builds SET task_id = ? WHERE id = ?').run(taskId, id);
  }

  /** Succeeded builds that no repository serves yet. */
  unpublished(): BuildRecord[] {
    return this.#list(
      `WHERE state = 'succeeded' AND scratch = 0 AND NOT EXISTS (SELECT 1 FROM publications p WHERE p.build_id = b.id)`,
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

  lastPublished(project: string, branch: string): BuildRecord[] {
    const published = this.#list(
      'WHERE b.project = ? AND b.branch = ? AND p.url IS NOT NULL',
      project,
      branch,
    );
    return [...new Map(published.map((b) => [b.platform, b])).values()];
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
