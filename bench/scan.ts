// npm run bench:scan [-- FILE]: `patchferry scan --json` over a real list archive, and over eight
// concatenated copies of it (Message-IDs made unique) for memory per mail, against `git mailsplit`
// of the same mails in the same run. Each scan runs in a process of its own, so that its peak RSS
// is its own. Ends with one JSON line of the figures.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../src/cli/main.ts';
import { writeCopies } from './helpers/copies.ts';

if (process.argv[2] === '--child') {
  // One scan, its output counted and dropped; then its figures as one JSON line.
  let mails = 0;
  let series = 0;
  let section = '';
  const started = performance.now();
  const status = await main(['scan', '--json', process.argv[3] ?? ''], {
    // The CLI writes many lines at a time.
    out: (text) => {
      for (const line of text.split('\n')) {
        if (line.startsWith('{"mails"')) section = 'mails';
        else if (line.startsWith('], "series"')) section = 'series';
        else if (line.startsWith(' {') && section === 'mails') mails++;
        else if (line.startsWith(' {')) series++;
      }
    },
    err: (line) => console.error(line),
    env: process.env,
    interrupted: () => new Promise(() => {}),
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(
    JSON.stringify({ status, mails, series, seconds, peakRssMb: process.resourceUsage().maxRSS / 1024 }),
  );
  process.exit(status);
}

const corpora = resolve(
  process.env.PATCHFERRY_CORPORA ?? join(import.meta.dirname, '..', '..', 'shared', 'corpora'),
);
const file = process.argv[2] ?? join(corpora, 'kbuild', 'linux-kbuild-2025.mbox.gz');
if (!existsSync(file)) {
  console.error(`bench:scan: ${file} not found (give a file, or set PATCHFERRY_CORPORA)`);
  process.exit(2);
}

function scanInChild(path: string): { mails: number; series: number; seconds: number; peakRssMb: number } {
  const child = spawnSync(process.execPath, [import.meta.filename, '--child', path], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const last = child.stdout.trim().split('\n').at(-1) ?? '';
  if (child.status !== 0) {
    console.error(`bench:scan: scan of ${path} failed (${child.status}): ${last}`);
    process.exit(child.status ?? 1);
  }
  return JSON.parse(last) as { mails: number; series: number; seconds: number; peakRssMb: number };
}

/** git's own mbox splitter, which reads no MIME at all: mails per second. */
function mailsplit(path: string): { mails: number; seconds: number } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-mailsplit-'));
  const started = performance.now();
  const mails = Number(
    execFileSync('sh', ['-c', `gzip -cdf "$1" | git mailsplit -o"$2"`, 'sh', path, dir], {
      encoding: 'utf8',
    }).trim(),
  );
  const seconds = (performance.now() - started) / 1000;
  rmSync(dir, { recursive: true, force: true });
  return { mails, seconds };
}

const one = scanInChild(file);
const split = mailsplit(file);

const work = mkdtempSync(join(tmpdir(), 'bench-scan-x8-'));
const x8File = join(work, 'x8.mbox');
await writeCopies(file, 8, x8File);
const x8 = scanInChild(x8File);
rmSync(work, { recursive: true, force: true });

const figures = {
  mails: one.mails,
  mails_per_s: Math.round(one.mails / one.seconds),
  series: one.series,
  peak_rss_mb: Math.round(one.peakRssMb),
  git_mailsplit_mails_per_s: Math.round(split.mails / split.seconds),
  ratio_vs_git_mailsplit: Number((one.seconds / split.seconds).toFixed(2)),
  mails_x8: x8.mails,
  mails_per_s_x8: Math.round(x8.mails / x8.seconds),
  peak_rss_mb_x8: Math.round(x8.peakRssMb),
  kb_per_mail: Math.round(((x8.peakRssMb - one.peakRssMb) * 1024) / (x8.mails - one.mails)),
};
console.log(`scan of ${file}`);
console.log(
  `  patchferry scan --json: ${figures.mails} mails in ${one.seconds.toFixed(2)} s = ${figures.mails_per_s} mails/s, ${figures.series} series, peak RSS ${figures.peak_rss_mb} MB`,
);
console.log(
  `  git mailsplit (split only, no parsing): ${split.mails} mails in ${split.seconds.toFixed(2)} s = ${figures.git_mailsplit_mails_per_s} mails/s`,
);
console.log(`  patchferry takes ${figures.ratio_vs_git_mailsplit}x the time of git mailsplit`);
console.log(
  `  eight copies (${figures.mails_x8} mails): ${figures.mails_per_s_x8} mails/s, peak RSS ${figures.peak_rss_mb_x8} MB, ${figures.kb_per_mail} KB more per mail`,
);
console.log(JSON.stringify(figures));
