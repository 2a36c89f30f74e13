import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { PatchferryError } from '../shared/errors.ts';
import { processAlive } from '../shared/process-alive.ts';

/** A database this process holds the lock of, and how many stores opened it (tests and the daemon
 * open several in one process; the lock is the process's, so they share it). Per process by
 * nature: the lock file names this process. */
const held = new Map<string, number>();

/**
 * Takes the advisory lock of a state database: `<path>.lock` holding this process's pid, so that
 * a second patchferry on the same database stops with a clear message instead of doubling work. A
 * lock whose process is gone (killed) is taken over. Returns the release function.
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
    if (holder(file) === process.pid) unlinkSync(file);
  };
}

function acquire(file: string): void {
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new PatchferryError(
          'database_lock',
          `cannot create the lock file ${file}: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      }
    }
    const pid = holder(file);
    if (pid !== null && pid !== process.pid && processAlive(pid)) {
      throw new PatchferryError(
        'database_busy',
        `another patchferry (pid ${pid}) is working on this database (${file.slice(0, -5)}); wait for it to finish, or stop it`,
      );
    }
    // Left by a process that is gone: taken over by a rename, which replaces it in one step.
    const mine = `${file}.${process.pid}`;
    writeFileSync(mine, `${process.pid}\n`);
    renameSync(mine, file);
    if (holder(file) === process.pid) return;
  }
  throw new PatchferryError(
    'database_busy',
    `another patchferry is taking the lock of ${file.slice(0, -5)}; try again`,
  );
}

function holder(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
