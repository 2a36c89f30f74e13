import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINAL_KEYWORD } from '../../src/ingest/imap.ts';
import { dovecotAvailable, startDovecot, type Dovecot } from '../helpers/dovecot.ts';
import { git } from '../helpers/git.ts';
import { makeListWorld, type ListWorld } from '../helpers/list-world.ts';
import { rawMail } from '../helpers/mail.ts';
import { tempDir } from '../helpers/tmp.ts';

const available = dovecotAvailable();
const ROOT = join(import.meta.dirname, '..', '..');

/** Runs `patchferry sync` as its own process; kills it with SIGKILL after `killAfterMs` if given. */
function runSync(
  world: ListWorld,
  killAfterMs?: number,
): Promise<{ code: number | null; killed: boolean; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/patchferry.mjs', 'sync', '--config', world.configFile], {
      cwd: ROOT,
      env: { ...process.env, ...world.env, PATCHFERRY_LOG_LEVEL: 'silent' },
      stdio: 'ignore',
    });
    let killed = false;
    const timer =
      killAfterMs === undefined
        ? undefined
        : setTimeout(() => {
            killed = child.kill('SIGKILL');
          }, killAfterMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, killed: killed && code === null, ms: Date.now() - started });
    });
  });
}

describe.skipIf(!available)('exactly once, whatever kills the process', () => {
  let d: Dovecot;
  beforeAll(async () => {
    d = await startDovecot();
  });
  afterAll(async () => {
    await d?.destroy();
  });

  it('ends with every mail recorded once, every patch applied once and every mail marked, after SIGKILL at random points', async () => {
    await d.folder('killed');
    const world = makeListWorld(tempDir(), d, 'killed');
    // Mail keeps arriving: each round delivers a few more mails, so every run has work to be killed in.
    const batches: Buffer[][] = [];
    for (let i = 0; i < 12; i++) batches.push(world.series(`s${i}`, 1));
    batches.splice(4, 0, world.series('multi', 3, { cover: true }));
    batches.push([
      rawMail(
        { From: 'who@example.org', Subject: 'a question, not a patch', 'Message-ID': '<chat@example.org>' },
        'hi\n',
      ),
    ]);
    const mails = batches.flat();

    let kills = 0;
    // Node starts in ~150 ms; the kill lands anywhere in a run as long as the last unkilled one took.
    let span = 2500;
    for (let round = 0; round < 10; round++) {
      for (const raw of batches.filter((_, i) => i % 10 === round).flat()) await d.append(raw, 'killed');
      const killAfterMs = 150 + Math.floor(Math.random() * span);
      const result = await runSync(world, killAfterMs);
      console.log(
        `exactly-once round ${round}: SIGKILL at ${killAfterMs} ms, ${result.killed ? 'killed' : `finished first (${result.ms} ms)`}`,
      );
      if (result.killed) kills++;
      else span = Math.max(result.ms - 150, 200);
    }
    const last = await runSync(world);
    expect(last.code).toBe(0);
    expect(kills).toBeGreaterThan(0);

    const db = new DatabaseSync(join(world.dir, 'state', 'patchferry.db'), { readOnly: true });
    try {
      const rows = db.prepare('SELECT message_id, state FROM mails').all();
      expect(rows).toHaveLength(mails.length);
      expect(rows.filter((r) => r.state !== 'final')).toEqual([]);
      // Listed, not counted, so that a failure shows which series was applied twice.
      const applied = db
        .prepare(
          `SELECT s.title, a.series_id AS id FROM applications a JOIN series s ON s.id = a.series_id WHERE a.state = 'applied' ORDER BY s.title, a.rowid`,
        )
        .all()
        .map((r) => `${String(r.title)} <${String(r.id)}>`);
      expect(applied, applied.join('\n')).toHaveLength(13);
      expect(db.prepare('SELECT count(*) AS n FROM pushes').get()?.n).toBe(0);
    } finally {
      db.close();
    }
    const subjects = git(world.upstream, ['log', '--format=%s', 'master']).trim().split('\n');
    expect(subjects).toHaveLength(12 + 3 + 1);
    expect(new Set(subjects).size).toBe(subjects.length);

    const check = await d.client();
    const lock = await check.getMailboxLock('killed');
    try {
      const unmarked: number[] = [];
      for await (const m of check.fetch('1:*', { uid: true, flags: true }))
        if (!m.flags?.has(FINAL_KEYWORD)) unmarked.push(m.uid);
      expect(unmarked).toEqual([]);
    } finally {
      lock.release();
      await check.logout();
    }
  }, 120_000);
});
