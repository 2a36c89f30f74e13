import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { git } from '../helpers/git.ts';
import { runPatchferry, type Run } from '../helpers/kill.ts';
import { makeMboxWorld } from '../helpers/mbox-world.ts';
import { outboxMessages, reportsIn } from '../helpers/reports.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { tempDir } from '../helpers/tmp.ts';

const BUSY = /^patchferry: another patchferry \(pid (\d+)\) is working on this database/;

/** The lock a patchferry killed with SIGKILL leaves: `<database>.lock` naming a process that is gone. */
function leaveStaleLock(database: string): number {
  const gone = spawnSync('true').pid;
  mkdirSync(join(database, '..'), { recursive: true });
  writeFileSync(`${database}.lock`, `${gone}\n`);
  return gone;
}

/** Two runs started together: each finished (0), or stopped at once naming the other (2). */
function expectOneAtATime(runs: readonly Run[]): string {
  for (const [i, run] of runs.entries()) {
    if (run.code === 2) {
      expect(run.stderr).toMatch(BUSY);
      expect(Number(BUSY.exec(run.stderr)?.[1])).toBe(runs[1 - i]?.pid);
    } else {
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
    }
  }
  expect(runs.filter((r) => r.code === 0).length).toBeGreaterThan(0);
  return runs.map((r) => r.code).join('/');
}

describe('two patchferry processes on one database', () => {
  let smtp: SmtpSink | undefined;
  afterEach(async () => {
    await smtp?.close();
  });

  it('sends each report once when two report runs start together, one saying that the other is at work', async () => {
    smtp = await startSmtpSink({ delayMs: 5 });
    const world = makeMboxWorld(tempDir(), { smtpPort: smtp.port });
    const config = ['--config', world.configFile];
    const outcomes: string[] = [];
    for (let round = 0; round < 6; round++) {
      world.rejected(4);
      expect((await runPatchferry(['sync', ...config])).code).toBe(0);
      // Every other round starts after a run that was killed and left its lock behind.
      if (round % 2 === 1) leaveStaleLock(world.database);
      const runs = await Promise.all([
        runPatchferry(['report', ...config]),
        runPatchferry(['report', ...config]),
      ]);
      outcomes.push(expectOneAtATime(runs));
    }
    console.log(`two reports at once, exit codes per round: ${outcomes.join(', ')}`);

    const db = new DatabaseSync(world.database, { readOnly: true });
    let keys: string[];
    try {
      keys = db
        .prepare(`SELECT key FROM work WHERE kind = 'mail' AND state = 'done' ORDER BY key`)
        .all()
        .map((r) => String(r.key));
    } finally {
      db.close();
    }
    expect(keys).toHaveLength(24);
    for (const got of [reportsIn(outboxMessages(world.outbox)), reportsIn(smtp.received)])
      expect(got.map((r) => r.key).sort()).toEqual(keys);
  }, 90_000);

  it('applies each patch once when two sync runs start together, one saying that the other is at work', async () => {
    const world = makeMboxWorld(tempDir());
    const config = ['--config', world.configFile];
    const outcomes: string[] = [];
    for (let round = 0; round < 6; round++) {
      world.series(`a${round}`, 2);
      world.series(`b${round}`, 1);
      if (round % 2 === 1) leaveStaleLock(world.database);
      const runs = await Promise.all([
        runPatchferry(['sync', ...config]),
        runPatchferry(['sync', ...config]),
      ]);
      outcomes.push(expectOneAtATime(runs));
    }
    console.log(`two syncs at once, exit codes per round: ${outcomes.join(', ')}`);

    const subjects = git(world.upstream, ['log', '--format=%s', 'master']).trim().split('\n');
    expect(subjects).toHaveLength(6 * 3 + 1);
    expect(new Set(subjects).size).toBe(subjects.length);
    const db = new DatabaseSync(world.database, { readOnly: true });
    try {
      expect(db.prepare(`SELECT count(*) AS n FROM applications WHERE state = 'applied'`).get()?.n).toBe(12);
      expect(db.prepare(`SELECT count(*) AS n FROM mails WHERE state != 'final'`).get()?.n).toBe(0);
    } finally {
      db.close();
    }
  }, 90_000);

  it('lets one process at a time hold the database when several open it at the same instant, over a lock left by a killed one too', async () => {
    const dir = tempDir();
    const slots = 40;
    // Every other slot starts over the lock of a patchferry that was killed.
    for (let k = 1; k < slots; k += 2) leaveStaleLock(join(dir, `slot-${k}`, 'state.db'));
    // Far enough ahead for four Node processes to start on a busy machine.
    const at = Date.now() + 2000;
    const processes = await Promise.all(Array.from({ length: 4 }, () => holdDatabase(dir, at, slots)));
    const overlaps: string[] = [];
    const busy: string[] = [];
    const errors: string[] = [];
    for (let k = 0; k < slots; k++) {
      const held: { pid: number; from: number; to: number }[] = [];
      for (const p of processes) {
        const r = p.results[k];
        if (r && 'busy' in r) busy.push(r.busy);
        else if (r && 'error' in r) errors.push(`slot ${k}: ${r.error}`);
        else if (r) held.push({ pid: p.pid, ...r });
      }
      expect(held.length, `slot ${k}: someone holds the database`).toBeGreaterThan(0);
      const sorted = held.toSorted((a, b) => a.from - b.from);
      for (let i = 1; i < sorted.length; i++) {
        const [before, after] = [sorted[i - 1], sorted[i]];
        if (before && after && after.from < before.to)
          overlaps.push(`slot ${k}: pids ${before.pid} and ${after.pid} held it at once`);
      }
    }
    console.log(
      `one database, four processes at once, ${slots} times: ${busy.length} told it was busy, ${overlaps.length} held it together`,
    );
    expect(overlaps).toEqual([]);
    expect(errors).toEqual([]);
    for (const message of busy) expect(`patchferry: ${message}`).toMatch(BUSY);
  }, 60_000);
});

interface Holder {
  readonly pid: number;
  readonly results: readonly ({ from: number; to: number } | { busy: string } | { error: string })[];
}

/** test/helpers/hold-database.ts as a process of its own. */
function holdDatabase(dir: string, at: number, slots: number): Promise<Holder> {
  const script = join(import.meta.dirname, '..', 'helpers', 'hold-database.ts');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, dir, String(at), String(slots), '60', '20'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(out) as Holder);
      else reject(new Error(`hold-database exited ${code}: ${out}`));
    });
  });
}
