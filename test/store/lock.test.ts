import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { PatchferryError } from '../../src/shared/errors.ts';
import { bootId, processStart } from '../../src/shared/process-alive.ts';
import { lockDatabase } from '../../src/store/lock.ts';
import { makeMboxWorld } from '../helpers/mbox-world.ts';
import { tempDir } from '../helpers/tmp.ts';

const LOCK = pathToFileURL(join(import.meta.dirname, '..', '..', 'src', 'store', 'lock.ts')).href;

/** Takes the lock of DB in a node process of its own, prints "locked" or the error's code, and
 * holds the lock until killed when HOLD is set. */
const TRY_LOCK = `
  import { lockDatabase } from ${JSON.stringify(LOCK)};
  try {
    lockDatabase(process.env.DB);
    process.stdout.write('locked\\n');
  } catch (err) {
    process.stdout.write(err.code + '\\n');
    process.exit(0);
  }
  if (process.env.HOLD) setInterval(() => {}, 1000);
`;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** Another process trying the lock of `db`: resolves with the first line it prints. */
function otherProcess(db: string, hold = false): Promise<{ pid: number; said: string }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', TRY_LOCK], {
    env: { ...process.env, DB: db, ...(hold ? { HOLD: '1' } : {}) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve({ pid: child.pid as number, said: out.trim() });
    });
    child.on('close', (code) => reject(new Error(`exited (${code}) saying ${JSON.stringify(out)}`)));
  });
}

/** A process that is alive and is no patchferry: the reuser of a pid a lock names. */
function sleeper(): number {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push(child);
  return child.pid as number;
}

describe.skipIf(bootId() === null)('database lock', () => {
  it('takes over a lock whose pid is alive but started at another time (the pid was reused)', () => {
    const db = join(tempDir(), 'pf.db');
    const pid = sleeper();
    writeFileSync(`${db}.lock`, `${pid} ${Number(processStart(pid)) + 1} ${bootId()}\n`);
    const release = lockDatabase(db);
    expect(readFileSync(`${db}.lock`, 'utf8')).toBe(
      `${process.pid} ${processStart(process.pid)} ${bootId()}\n`,
    );
    release();
    expect(existsSync(`${db}.lock`)).toBe(false);
  });

  it('takes over a lock naming a live process, this very one, written in another boot', async () => {
    const db = join(tempDir(), 'pf.db');
    // Alive and the same start tick, but the boot differs: after a reboot the pid and tick were
    // given again to another process.
    writeFileSync(`${db}.lock`, `${process.pid} ${processStart(process.pid)} another-boot\n`);
    const other = await otherProcess(db);
    expect(other.said).toBe('locked');
    expect(readFileSync(`${db}.lock`, 'utf8')).toMatch(new RegExp(`^${other.pid} \\d+ ${bootId()}\\n$`));
  });

  it('still refuses while the holder runs, with database_busy and exit status 2', async () => {
    const world = makeMboxWorld(tempDir());
    mkdirSync(dirname(world.database));
    const holder = await otherProcess(world.database, true);
    expect(holder.said).toBe('locked');
    let err: unknown;
    try {
      lockDatabase(world.database);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PatchferryError);
    expect(err).toMatchObject({ code: 'database_busy', retryable: false });
    expect((err as Error).message).toMatch(`another patchferry (pid ${holder.pid}) is working`);

    const lines: string[] = [];
    const io = {
      out: () => {},
      err: (l: string) => lines.push(l),
      env: {},
      interrupted: () => new Promise<void>(() => {}),
    };
    expect(await main(['sync', '--config', world.configFile], io)).toBe(2);
    expect(lines.join('\n')).toMatch(`patchferry: another patchferry (pid ${holder.pid}) is working`);
  });

  it('judges a lock in the older one-pid format by its pid, saying how to clear it', () => {
    const db = join(tempDir(), 'pf.db');
    const pid = sleeper();
    writeFileSync(`${db}.lock`, `${pid}\n`);
    expect(() => lockDatabase(db)).toThrow(
      `another patchferry (pid ${pid}) is working on this database (${db}); wait for it to finish, or stop it; if pid ${pid} is not a patchferry, the lock is left from before a restart: remove ${db}.lock`,
    );
    // Once its process is gone, it is taken over as before.
    writeFileSync(`${db}.lock`, `${2 ** 22 + 1}\n`);
    lockDatabase(db)();
  });

  it('says to remove a directory where the lock file goes, and leaves no temporary file behind', () => {
    const dir = tempDir();
    const db = join(dir, 'pf.db');
    mkdirSync(`${db}.lock`);
    let err: unknown;
    try {
      lockDatabase(db);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({
      code: 'database_lock',
      message: expect.stringMatching(
        `^cannot write the lock file ${db}.lock \\(EISDIR: .*\\): ${db}.lock is a directory, where patchferry keeps its lock file: remove it and run again$`,
      ),
    });
    expect(readdirSync(dir).sort()).toEqual(['pf.db.lock', 'pf.db.lock.guard']);
  });

  it('says to remove a guard file that is not SQLite, instead of calling the database busy', () => {
    const db = join(tempDir(), 'pf.db');
    writeFileSync(`${db}.lock.guard`, 'not a database, but long enough for SQLite to read its header\n');
    expect(() => lockDatabase(db)).toThrow(
      `cannot use ${db}.lock.guard, the file patchferry locks while it takes ${db}.lock (SQLite says: file is not a database): remove it (it holds nothing) and run again`,
    );
  });
});
