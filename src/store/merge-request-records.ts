import { now, type Database } from './database.ts';

/** The merge request a series was proposed as. The forge holds the truth (the MR is found again by
 * its source branch); this is the index that spares asking it. */
export interface MergeRequestRecord {
  readonly seriesId: string;
  readonly forge: string;
  readonly project: string;
  readonly sourceBranch: string;
  readonly targetBranch: string;
  readonly url: string;
  readonly number: number;
  readonly state: 'open' | 'closed' | 'merged';
  /** The range last pushed to the source branch for this series. */
  readonly base: string | null;
  readonly head: string | null;
}

export class MergeRequestRecords {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  save(mr: MergeRequestRecord): void {
    this.#db
      .prepare(
        `INSERT INTO merge_requests (series_id, forge, project, source_branch, target_branch, url, iid, state, base_commit, head_commit, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (series_id) DO UPDATE SET forge = excluded.forge, project = excluded.project,
           source_branch = excluded.source_branch, target_branch = excluded.target_branch, url = excluded.url,
           iid = excluded.iid, state = excluded.state, base_commit = excluded.base_commit, head_commit = excluded.head_commit, updated_at = excluded.updated_at`,
      )
      .run(
        mr.seriesId,
        mr.forge,
        mr.project,
        mr.sourceBranch,
        mr.targetBranch,
        mr.url,
        mr.number,
        mr.state,
        mr.base,
        mr.head,
        now(),
      );
  }

  get(seriesId: string): MergeRequestRecord | undefined {
    return this.#rows('SELECT * FROM merge_requests WHERE series_id = ?', seriesId)[0];
  }

  /** The live record of an MR by its number (the newest series proposed in it). */
  byNumber(project: string, number: number): MergeRequestRecord | undefined {
    return this.#rows(
      `SELECT * FROM merge_requests WHERE project = ? AND iid = ? ORDER BY state = 'open' DESC, updated_at DESC, rowid DESC LIMIT 1`,
      project,
      String(number),
    )[0];
  }

  /** Every series whose MR was open when last seen. */
  open(): MergeRequestRecord[] {
    return this.#rows(`SELECT * FROM merge_requests WHERE state = 'open' ORDER BY rowid`);
  }

  /** Whether any series already uses this source branch in the project. */
  branchTaken(project: string, sourceBranch: string): boolean {
    return (
      this.#rows(
        'SELECT * FROM merge_requests WHERE project = ? AND source_branch = ?',
        project,
        sourceBranch,
      ).length > 0
    );
  }

  setState(seriesId: string, state: MergeRequestRecord['state']): void {
    this.#db
      .prepare('UPDATE merge_requests SET state = ?, updated_at = ? WHERE series_id = ?')
      .run(state, now(), seriesId);
  }

  #rows(sql: string, ...params: string[]): MergeRequestRecord[] {
    return this.#db
      .prepare(sql)
      .all(...params)
      .map((r) => ({
        seriesId: String(r.series_id),
        forge: String(r.forge),
        project: String(r.project),
        sourceBranch: String(r.source_branch),
        targetBranch: String(r.target_branch),
        url: String(r.url),
        number: Number(r.iid),
        state: r.state as MergeRequestRecord['state'],
        base: (r.base_commit as string | null) ?? null,
        head: (r.head_commit as string | null) ?? null,
      }));
  }
}
