import { readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { PatchferryError, errorMessage } from '../shared/errors.ts';
import { sameProcessAlive, thisProcess, type ProcessIdentity } from '../shared/process-alive.ts';

/** A database this process holds the lock of, and how many stores opened it (tests and the daemon
 * open several in one process; the lock is the process's, so they share it). Per process by
 * nature: the lock file names this process. */
const held = new Map<string, number>();

/**
 * Takes the advisory lock of a state database: `<path>.lock` naming this process (`pid start
 * boot`: its pid, when it started, the boot id), so that a second patchferry on the same database
 * stops with a clear message instead of doubling work. A lock whose process is gone (killed) is
 * taken over, and so is one whose pid now belongs to another process (reused after a reboot or a
 * container restart): its start time or boot differ. Returns the release function.
 * Throws PatchferryError `database_busy` (not retryable) when another live process holds it.
 */
export function lockDatabase(path: string): () => void {
  const file = `${path}.lock`;
  const count = held.get(file) ?? 0;
  if (count === 0) acquire(file);
  held.set(file, count + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (held.get(file) ?? 1) - 1;
    if (left > 0) {
      held.set(file, left);
      return;
    }
    held.delete(file);
    if (isThisProcess(holder(file))) unlinkSync(file);
  };
}

/**
 * The lock file is read, judged and replaced under SQLite's write lock (BEGIN IMMEDIATE) on a
 * guard file beside it, `<path>.lock.guard`: processes started together never both find it free,
 * nor both take over the one a killed process left (each would replace the other's, and both go
 * on). The kernel drops that write lock if this process dies meanwhile, so nothing is left behind
 * to wait on. (The guard is not the database itself: while a first process switches a new
 * database to WAL, a second one's write lock on it would fail that switch at once.)
 */
function acquire(file: string): void {
  let guard: DatabaseSync;
  try {
    guard = new DatabaseSync(`${file}.guard`);
  } catch (err) {
    throw unusableGuard(file, err);
  }
  try {
    try {
      guard.exec('PRAGMA busy_timeout = 5000');
      guard.exec('BEGIN IMMEDIATE');
    } catch (err) {
      // Still held by another after the busy timeout; anything else is a guard SQLite cannot use.
      throw sqliteCode(err) === SQLITE_BUSY ? busy(file, holder(file), err) : unusableGuard(file, err);
    }
    try {
      take(file);
    } finally {
      guard.exec('ROLLBACK');
    }
  } finally {
    guard.close();
  }
}

/** Takes the lock unless a live process holds it; one whose process is gone is taken over. */
function take(file: string): void {
  const who = holder(file);
  if (who !== null && who.pid !== process.pid && sameProcessAlive(who)) throw busy(file, who);
  // Written whole under a name of its own, then put in place in one step: a reader never sees
  // an empty lock file.
  const me = thisProcess();
  const mine = `${file}.${process.pid}`;
  try {
    writeFileSync(mine, `${[me.pid, ...(me.start && me.boot ? [me.start, me.boot] : [])].join(' ')}\n`);
    renameSync(mine, file);
  } catch (err) {
    try {
      rmSync(mine, { force: true });
    } catch {
      // Left for the message's advice to clear along with the rest.
    }
    const what =
      (err as NodeJS.ErrnoException).code === 'EISDIR'
        ? `${file} is a directory, where patchferry keeps its lock file: remove it and run again`
        : `check that patchferry may write in ${dirname(file)}, and that ${file}, if there is one, is a file`;
    throw new PatchferryError(
      'database_lock',
      `cannot write the lock file ${file} (${errorMessage(err)}): ${what}`,
      { cause: err },
    );
  }
}

/** SQLite's result code for a lock another connection holds. */
const SQLITE_BUSY = 5;

/** The primary result code of a node:sqlite error (an extended one carries it in its low byte). */
function sqliteCode(err: unknown): number | null {
  const code = (err as { errcode?: unknown }).errcode;
  return typeof code === 'number' ? code & 0xff : null;
}

function unusableGuard(file: string, cause: unknown): PatchferryError {
  return new PatchferryError(
    'database_lock',
    `cannot use ${file}.guard, the file patchferry locks while it takes ${file} (SQLite says: ${errorMessage(cause)}): remove it (it holds nothing) and run again`,
    { cause },
  );
}

function busy(file: string, who: ProcessIdentity | null, cause?: unknown): PatchferryError {
  const named = who === null ? 'another patchferry' : `another patchferry (pid ${who.pid})`;
  // A lock in the older format names a pid alone, which may have been reused since.
  const older =
    who !== null && who.start === null
      ? `; if pid ${who.pid} is not a patchferry, the lock is left from before a restart: remove ${file}`
      : '';
  return new PatchferryError(
    'database_busy',
    `${named} is working on this database (${file.slice(0, -'.lock'.length)}); wait for it to finish, or stop it${older}`,
    cause === undefined ? {} : { cause },
  );
}

/** Who the lock file names: `pid start boot`, or `pid` alone as older patchferry wrote it (judged
 * by the pid alone, as then); null when there is none, or it cannot be read. */
function holder(file: string): ProcessIdentity | null {
  let fields: string[];
  try {
    fields = readFileSync(file, 'utf8').trim().split(/\s+/);
  } catch {
    return null;
  }
  const pid = Number(fields[0]);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  const [start, boot] = fields.length === 3 ? fields.slice(1) : [];
  return { pid, start: start ?? null, boot: boot ?? null };
}

function isThisProcess(who: ProcessIdentity | null): boolean {
  const me = thisProcess();
  return who !== null && who.pid === me.pid && who.start === me.start && who.boot === me.boot;
}
