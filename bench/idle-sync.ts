// npm run bench:idle-sync [-- PARTS]: a flood of incomplete series (PARTS waiting parts, 20,000 by
// default: 2 of 3 parts of PARTS/2 series, from 500 senders) recorded in a SQLite file on this
// disk by a first sync; then, each in a fresh process so that its peak memory is its own, an idle
// sync (no new mail), and as the peer what an idle sync did before it kept to its working set:
// every waiting mail read from the store and parsed again. Limits are raised so that the flood is
// all taken (the defaults would quarantine most of it). Ends with one JSON line of the figures.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { intake } from '../src/app/intake/intake.ts';
import type { Deps } from '../src/app/deps.ts';
import { configSchema } from '../src/config/schema.ts';
import { parseMail } from '../src/mail/parse.ts';
import { systemClock } from '../src/ports/clock.ts';
import type { MailSource, RawMessage } from '../src/ports/mail-source.ts';
import { silentLogger } from '../src/shared/log.ts';
import { openStore } from '../src/store/store.ts';
import type { Config } from '../src/config/schema.ts';

const parts = Number(process.argv[2] ?? 20_000);
const SENDERS = 500;

function part(series: number, i: number): Buffer {
  const sender = `dev${series % SENDERS}@example.org`;
  const file = `f${series}-${i}.txt`;
  return Buffer.from(
    [
      `From: Dev ${series % SENDERS} <${sender}>`,
      `Subject: [master PATCH hello ${i}/3] change ${series}`,
      `Message-ID: <s${series}.${i}@example.org>`,
      ...(i > 1 ? [`In-Reply-To: <s${series}.1@example.org>`, `References: <s${series}.1@example.org>`] : []),
      'Date: Sun, 29 Nov 2026 10:00:00 +0000',
      '',
      `Adds ${file}.`,
      '',
      `Signed-off-by: Dev <${sender}>`,
      '---',
      `diff --git a/${file} b/${file}`,
      'new file mode 100644',
      '--- /dev/null',
      `+++ b/${file}`,
      '@@ -0,0 +1 @@',
      '+x',
      '',
    ].join('\n'),
  );
}

function source(mails: Buffer[]): MailSource {
  return {
    name: 'bench:flood',
    async *read(after): AsyncIterable<RawMessage> {
      for (let i = after === null ? 0 : Number(after); i < mails.length; i++)
        yield { raw: mails[i] as Buffer, position: String(i + 1) };
    },
    settle: () => Promise.resolve(),
    watch: () => null,
    connected: () => null,
    close: () => Promise.resolve(),
  };
}

function configFor(dir: string): Config {
  return configSchema.parse({
    state: { database: join(dir, 'state.db') },
    workDir: join(dir, 'work'),
    sources: [{ type: 'mbox', path: 'unused' }],
    projects: { hello: { git: '/nonexistent', branches: ['master'], platforms: ['el9'] } },
    platforms: { el9: { dist: '.el9', arch: 'x86_64' } },
    publisher: { root: join(dir, 'repos'), baseUrl: 'http://127.0.0.1:1/' },
    reporter: { from: 'pf@example.org', listAddress: 'list@example.org' },
    limits: { pendingParts: 10_000_000, pendingPartsPerSender: 1_000_000, mailsPerSenderPerHour: 1_000_000 },
  });
}

function depsFor(config: Config, mails: Buffer[]): Deps {
  const store = openStore(config.state.database);
  return {
    config,
    log: silentLogger(),
    clock: systemClock,
    store,
    sources: [source(mails)],
  } as unknown as Deps;
}

/** In a child process: one idle sync, or the old idle sync's reading, timed, with the peak memory. */
async function measure(dir: string, what: string): Promise<void> {
  const deps = depsFor(configFor(dir), []);
  const t = performance.now();
  let count = 0;
  if (what === 'idle') count = (await intake(deps)).incomplete.length;
  else
    for (const record of deps.store.mails.open()) if ((await parseMail(record.raw)).kind === 'patch') count++;
  const ms = performance.now() - t;
  deps.store.close();
  console.log(
    JSON.stringify({
      ms: Math.round(ms),
      count,
      maxRssMb: peakRssMb(),
    }),
  );
}

/** This process's peak resident memory (Linux VmHWM). Not getrusage's maxRSS: Linux carries that
 * across fork and exec, so a child would report the parent's peak when it is higher. */
function peakRssMb(): number {
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return kb === undefined ? Math.round(process.resourceUsage().maxRSS / 1024) : Math.round(Number(kb) / 1024);
}

function child(dir: string, what: string): { ms: number; count: number; maxRssMb: number } {
  const out = execFileSync(process.execPath, [import.meta.filename, '--measure', dir, what], {
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { ms: number; count: number; maxRssMb: number };
}

if (process.argv[2] === '--measure') {
  await measure(process.argv[3] ?? '', process.argv[4] ?? 'idle');
} else {
  const dir = mkdtempSync(join(tmpdir(), 'bench-idle-'));
  try {
    const mails: Buffer[] = [];
    for (let s = 0; s < parts / 2; s++) mails.push(part(s, 1), part(s, 2));
    const deps = depsFor(configFor(dir), mails);
    const t = performance.now();
    const first = await intake(deps);
    deps.store.close();
    console.log(
      `first sync: ${first.newMails} mails recorded, ${first.incomplete.length} series waiting, ${Math.round(performance.now() - t)} ms`,
    );
    const idle = child(dir, 'idle');
    console.log(
      `idle sync: ${idle.count} series listed waiting, ${idle.ms} ms, peak rss ${idle.maxRssMb} MB`,
    );
    const reread = child(dir, 'reread');
    console.log(
      `reading and parsing every waiting mail (what each idle sync did before): ${reread.count} mails, ${reread.ms} ms, peak rss ${reread.maxRssMb} MB`,
    );
    console.log(
      JSON.stringify({
        pending_parts: parts,
        idle_sync_ms: idle.ms,
        idle_sync_peak_rss_mb: idle.maxRssMb,
        full_reread_ms: reread.ms,
        full_reread_peak_rss_mb: reread.maxRssMb,
        speedup: Math.round((reread.ms / Math.max(1, idle.ms)) * 10) / 10,
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
