import { now, type Database } from './database.ts';

export interface BuildRecord {
  readonly id: number;
  readonly project: string;
  readonly branch: string;
  readonly commit: string;
  readonly platform: string;
  readonly arch: string;
  readonly state: 'running' | 'succeeded' | 'failed';
  readonly logPath: string | null;
  readonly rpms: readonly string[];
  readonly error: string | null;
  readonly createdAt: string;
  /** Where the build's repository is served, once published. */
  readonly publishedUrl: string | null;
}

export interface BuildKey {
  readonly project: string;
  readonly branch: string;
  readonly commit: string;
  readonly platform: string;
  readonly arch: string;
}

/** Builds keyed by (project, branch, commit, platform), so a retried job never builds twice. */
export class BuildRecords {
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
    return this.find(key) as BuildRecord;
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

  recordPublication(buildId: number, path: string, url: string): void {
    this.#db
      .prepare(
        'INSERT INTO publications (build_id, path, url, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (build_id) DO NOTHING',
      )
      .run(buildId, path, url, now());
  }

  /** Builds of a branch at one commit, one per platform. */
  forCommit(project: string, branch: string, commit: string): BuildRecord[] {
    return this.#list('WHERE project = ? AND branch = ? AND commit_id = ?', project, branch, commit);
  }

  #list(where: string, ...params: string[]): BuildRecord[] {
    return this.#db
      .prepare(
        `SELECT b.*, p.url AS published_url FROM builds b LEFT JOIN publications p ON p.build_id = b.id ${where} ORDER BY b.id`,
      )
      .all(...params)
      .map((r) => ({
        id: Number(r.id),
        project: String(r.project),
        branch: String(r.branch),
        commit: String(r.commit_id),
        platform: String(r.platform),
        arch: String(r.arch),
        state: r.state as BuildRecord['state'],
        logPath: (r.log_path as string | null) ?? null,
        rpms: JSON.parse(String(r.rpms)) as string[],
        error: (r.error as string | null) ?? null,
        createdAt: String(r.created_at),
        publishedUrl: (r.published_url as string | null) ?? null,
      }));
  }
}
