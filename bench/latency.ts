// npm run bench:latency [-- RUNS]: how long from a series landing in the list's IMAP folder to
// patchferry having it recorded as complete. Starts a throwaway Dovecot on 127.0.0.1 (as the tests
// do; needs root and ci/setup --test), runs `patchferry watch` as its own process, APPENDs a
// 5-patch series with cover letter RUNS times (default 20) and polls the database for the series.
// In the same run it times a bare imapflow client idling on the folder, the floor any IMAP
// push-based reader has. Ends with one JSON line of the figures.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { startDovecot } from '../test/helpers/dovecot.ts';
import { makeListWorld } from '../test/helpers/list-world.ts';

const runs = Number(process.argv[2] ?? 20);
const dir = mkdtempSync(join(tmpdir(), 'bench-latency-'));
const dovecot = await startDovecot();
const world = makeListWorld(dir, dovecot);

const watcher = spawn(process.execPath, ['bin/patchferry.mjs', 'watch', '--config', world.configFile], {
  cwd: join(import.meta.dirname, '..'),
  env: { ...process.env, ...world.env, PATCHFERRY_LOG_LEVEL: 'info' },
  stdio: ['ignore', 'ignore', 'pipe'],
});
let log = '';
watcher.stderr.on('data', (d: Buffer) => (log += d.toString()));

try {
  // Ready once the first run has read the folder (the watcher then idles on it).
  await until(
    () => log.includes('"source read"'),
    20_000,
    () => log,
  );
  const db = new DatabaseSync(join(dir, 'state', 'patchferry.db'), { readOnly: true });
  const state = db.prepare('SELECT state FROM series WHERE id = ?');
  const appender = await dovecot.client();
  const patchferry: number[] = [];
  for (let i = 0; i < runs; i++) {
    const mails = world.series(`run${i}`, 5, { cover: true });
    const coverId = /^Message-I[Dd]: <([^>]+)>/m.exec(mails[0]?.toString() ?? '')?.[1] ?? '';
    // Each run starts with the watcher idle: the previous series' build, publish and report stages
    // (which follow its application) are over by then.
    await sleep(1500);
    const started = performance.now();
    for (const raw of mails) await appender.append('INBOX', raw);
    await until(() => {
      const row = state.get(coverId);
      return row !== undefined && row.state !== 'incomplete';
    }, 30_000);
    patchferry.push(performance.now() - started);
    // Let the run that applies it finish, so runs do not queue behind each other.
    await until(() => state.get(coverId)?.state === 'applied', 30_000);
  }
  await appender.logout();
  db.close();

  // The floor: a bare client told of the first mail by IDLE.
  const idler = await dovecot.client();
  const raw: number[] = [];
  await idler.mailboxOpen('INBOX');
  const mailSender = await dovecot.client();
  for (let i = 0; i < runs; i++) {
    let told = 0;
    const onExists = () => (told = performance.now());
    idler.on('exists', onExists);
    void idler.idle();
    // The same pause as before each series: Dovecot tells an IDLE that has run for a while later
    // (~500 ms) than one just started (~200 ms), so both sides wait alike.
    await sleep(1500);
    const started = performance.now();
    await mailSender.append('INBOX', `Message-ID: <raw${i}@example.org>\r\nSubject: raw ${i}\r\n\r\nx\r\n`);
    await until(() => told > 0, 10_000);
    raw.push(told - started);
    idler.off('exists', onExists);
  }
  await mailSender.logout();
  await idler.logout();

  const figures = {
    runs,
    p50_ms: Math.round(percentile(patchferry, 50)),
    p95_ms: Math.round(percentile(patchferry, 95)),
    max_ms: Math.round(Math.max(...patchferry)),
    raw_idle_p50_ms: Math.round(percentile(raw, 50)),
    ratio_vs_raw_idle: Number((percentile(patchferry, 50) / percentile(raw, 50)).toFixed(2)),
  };
  console.log(
    `latency from APPEND of a 5-patch series with cover letter to "complete" in the database, ${runs} runs`,
  );
  console.log(
    `  patchferry watch (IDLE): p50 ${figures.p50_ms} ms, p95 ${figures.p95_ms} ms, max ${figures.max_ms} ms`,
  );
  console.log(`  bare imapflow IDLE told of one mail: p50 ${figures.raw_idle_p50_ms} ms`);
  console.log(
    `  patchferry takes ${figures.ratio_vs_raw_idle}x the bare push notification (patchwork and patchew poll every few minutes)`,
  );
  console.log(JSON.stringify(figures));
} finally {
  watcher.kill('SIGTERM');
  await new Promise((r) => watcher.once('close', r));
  await dovecot.destroy();
  rmSync(dir, { recursive: true, force: true });
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function until(condition: () => boolean, ms: number, context?: () => string): Promise<void> {
  const end = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > end)
      throw new Error(`bench:latency: timed out after ${ms} ms${context ? `\n${context()}` : ''}`);
    await sleep(5);
  }
}
