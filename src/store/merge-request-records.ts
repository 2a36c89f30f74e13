import { z } from 'zod';
import type { MergeRequestRecord, MergeRequestRecords as MergeRequestRecordsPort } from '../ports/store.ts';
import { now, type Database } from './database.ts';
import { integer, maybeText, rows, text } from './rows.ts';

const mergeRequestRow = z
  .object({
    series_id: text,
    forge: text,
    project: text,
    source_branch: text,
    target_branch: text,
    url: text,
    iid: integer,
    state: z.enum(['open', 'closed', 'merged']),
    base_commit: maybeText,
    head_commit: maybeText,
  })
  .transform((r): MergeRequestRecord => ({
    seriesId: r.series_id,
    forge: r.forge,
    project: r.project,
    sourceBranch: r.source_branch,
    targetBranch: r.target_branch,
    url: r.url,
    number: r.iid,
    state: r.state,
    base: r.base_commit,
    head: r.head_commit,
  }));

export class MergeRequestRecords implements MergeRequestRecordsPort {
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
    this.reserveBranch(mr.project, mr.sourceBranch, mr.seriesId);
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

  reserveBranch(project: string, sourceBranch: string, seriesId: string, from?: string): boolean {
    if (from)
      this.#db
        .prepare(
          'UPDATE source_branches SET series_id = ? WHERE project = ? AND branch = ? AND series_id = ?',
        )
        .run(seriesId, project, sourceBranch, from);
    this.#db
      .prepare(
        'INSERT INTO source_branches (project, branch, series_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      )
      .run(project, sourceBranch, seriesId);
    const owner = this.#db
      .prepare('SELECT series_id FROM source_branches WHERE project = ? AND branch = ?')
      .get(project, sourceBranch);
    return owner?.series_id === seriesId;
  }

  reservedBranch(seriesId: string): string | undefined {
    const r = this.#db
      .prepare('SELECT branch FROM source_branches WHERE series_id = ? ORDER BY rowid DESC LIMIT 1')
      .get(seriesId);
    return typeof r?.branch === 'string' ? r.branch : undefined;
  }

  transition(seriesId: string, from: MergeRequestRecord['state'], to: MergeRequestRecord['state']): boolean {
    const result = this.#db
      .prepare('UPDATE merge_requests SET state = ?, updated_at = ? WHERE series_id = ? AND state = ?')
      .run(to, now(), seriesId, from);
    return result.changes > 0;
  }

  setState(seriesId: string, state: MergeRequestRecord['state']): void {
    this.#db
      .prepare('UPDATE merge_requests SET state = ?, updated_at = ? WHERE series_id = ?')
      .run(state, now(), seriesId);
  }

  #rows(sql: string, ...params: string[]): MergeRequestRecord[] {
    return rows('merge_requests', mergeRequestRow, this.#db.prepare(sql).all(...params));
  }
}
