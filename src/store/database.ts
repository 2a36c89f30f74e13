import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { creatable } from '../shared/creatable.ts';
import { PatchferryError, errorMessage } from '../shared/errors.ts';
import { MIGRATIONS, type Migration } from './migrations.ts';

export type Database = DatabaseSync;

/** How many prepared statements a connection keeps for reuse: more than the store's distinct
 * queries, with room for the lists of `?` whose length varies. */
const STATEMENTS_KEPT = 256;

/**
 * A connection that prepares each SQL text once and hands the same statement out again. A fresh
 * statement per call costs SQLite ~6 KB that the garbage collector cannot see (the JavaScript
 * object is small), so it collects them late: importing 41,000 mails left some 150 MB of
 * statements waiting, and half the time went to preparing them. The least recently used are let
 * go past STATEMENTS_KEPT. Statements here are run to completion at once (`run`, `get`, `all`),
 * never iterated, so one is never in use twice.
 */
class ReusingDatabase extends DatabaseSync {
  readonly #statements = new Map<string, StatementSync>();

  override prepare(sql: string): StatementSync {
    const kept = this.#statements.get(sql);
    if (kept !== undefined) {
      // Map order is use order: this one is now the most recent.
      this.#statements.delete(sql);
      this.#statements.set(sql, kept);
      return kept;
    }
    const statement = super.prepare(sql);
    this.#statements.set(sql, statement);
    if (this.#statements.size > STATEMENTS_KEPT) {
      const oldest = this.#statements.keys().next().value;
      if (oldest !== undefined) this.#statements.delete(oldest);
    }
    return statement;
  }
}

/** Opens (creating if needed) the state database in WAL mode and brings its schema up to date.
 * A file SQLite cannot open or read as a database is a PatchferryError `database_unreadable`. */
export function openDatabase(path: string, migrations: readonly Migration[] = MIGRATIONS): Database {
  if (path !== ':memory:') makeFolder(path);
  let db: Database;
  try {
    db = new ReusingDatabase(path);
  } catch (err) {
    throw databaseError(path, err);
  }
  try {
    db.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;');
    migrate(db, migrations, path);
  } catch (err) {
    db.close();
    throw databaseError(path, err);
  }
  return db;
}

/** The database's folder, made when missing; a path under a file or under /proc is refused. */
function makeFolder(path: string): void {
  // Only the folder is judged here: a database path that is itself a folder is SQLite's to refuse.
  const problem = creatable(dirname(path), 'folder');
  if (problem === null) {
    try {
      mkdirSync(dirname(path), { recursive: true });
      return;
    } catch (err) {
      throw new PatchferryError(
        'database_unreadable',
        `cannot make the folder of the state database ${path} (${errorMessage(err)}): correct state.database, or check that patchferry may write there`,
        { cause: err },
      );
    }
  }
  throw new PatchferryError('database_unreadable', `state.database: ${problem}`);
}

/** SQLite's result codes for a file it cannot open, or whose content is no database. */
const SQLITE_CORRUPT = 11;
const SQLITE_CANTOPEN = 14;
const SQLITE_NOTADB = 26;

/** The error for a state database SQLite cannot use, saying what to do; any other error as it is.
 * Also for damage found after opening, when a query reaches a broken page (SQLITE_CORRUPT). */
export function databaseError(path: string, err: unknown): unknown {
  if (err instanceof PatchferryError) return err;
  const errcode = (err as { errcode?: unknown } | null)?.errcode;
  // An extended result code carries the primary one in its low byte.
  const code = typeof errcode === 'number' ? errcode & 0xff : null;
  const said = `SQLite says: ${errorMessage(err)}`;
  if (code === SQLITE_NOTADB || code === SQLITE_CORRUPT) {
    return new PatchferryError(
      'database_unreadable',
      `the state database ${path} is not a database patchferry can read (${said}). If state.database names the wrong file, correct it in the configuration; otherwise restore the file from a backup, or move it aside to start again with an empty state`,
      { cause: err },
    );
  }
  if (code === SQLITE_CANTOPEN) {
    return new PatchferryError(
      'database_unreadable',
      `cannot open the state database ${path} (${said}): check that it is a file, and that patchferry may read and write it and its folder`,
      { cause: err },
    );
  }
  return err;
}

export function schemaVersion(db: Database): number {
  const row = db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as
    { v: number | null } | undefined;
  return row?.v ?? 0;
}

function migrate(db: Database, migrations: readonly Migration[], path: string): void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)',
  );
  const current = schemaVersion(db);
  const newest = migrations.at(-1)?.version ?? 0;
  if (current > newest) {
    throw new PatchferryError(
      'database_too_new',
      `${path} has schema version ${current} but this patchferry knows only up to ${newest}: upgrade patchferry`,
    );
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    transaction(db, () => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        new Date().toISOString(),
      );
    });
  }
}

/** Runs `work` atomically: all of it is committed, or none. Inside a transaction already, `work`
 * simply joins it, so record methods that are atomic on their own compose into larger units. */
export function transaction<T>(db: Database, work: () => T): T {
  if (db.isTransaction) return work();
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}

export function now(): string {
  return new Date().toISOString();
}
