// npm run bench:scan [-- FILE]: `patchferry scan --json` over a real list archive, and over eight
// concatenated copies of it (Message-IDs made unique) for memory per mail, against `git mailsplit`
// of the same mails (speed) and Python's email package streaming them (memory) in the same run.
// Each scan runs in a process of its own, with the Node flags and the compile cache the patchferry
// command runs with, so that its peak RSS is its own; the first run (empty cache) is shown apart.
// Ends with one JSON line of the figures.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { commandFlags } from './helpers/command-flags.ts';
import { writeCopies } from './helpers/copies.ts';

const corpora = resolve(
  process.env.PATCHFERRY_CORPORA ?? join(import.meta.dirname, '..', '..', 'shared', 'corpora'),
);
const file = process.argv[2] ?? join(corpora, 'kbuild', 'linux-kbuild-2025.mbox.gz');
if (!existsSync(file)) {
  console.error(`bench:scan: ${file} not found (give a file, or set PATCHFERRY_CORPORA)`);
  process.exit(2);
}

/** One scan in a process of its own (bench/helpers/scan-child.mjs) with the command's flags and
 * its compile cache in `cache`: empty for a first run, filled by it for the next. */
function scanInChild(
  path: string,
  cache: string,
): { mails: number; series: number; seconds: number; peakRssMb: number } {
  const child = spawnSync(
    process.execPath,
    [...commandFlags(), join(import.meta.dirname, 'helpers', 'scan-child.mjs'), path],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NODE_COMPILE_CACHE: cache },
    },
  );
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

/** The peer: Python's email package streaming the same archive (bench/helpers/python-scan.py), or
 * null without python3. */
function pythonScan(path: string): { mails: number; seconds: number; peakRssMb: number } | null {
  const child = spawnSync('python3', [join(import.meta.dirname, 'helpers', 'python-scan.py'), path], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.error || child.status !== 0) return null;
  return JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '') as {
    mails: number;
    seconds: number;
    peakRssMb: number;
  };
}

const load = loadavg()[0] ?? 0;
const work = mkdtempSync(join(tmpdir(), 'bench-scan-'));
const cache = join(work, 'compile-cache');
// A run with an empty compile cache compiles every module (and loads the type stripper), as the
// first command did before npm's postinstall filled the cache (bin/warm-cache.mjs), and as one
// does after the sources change; every later one reads them from the cache, as the command does.
const cold = scanInChild(file, cache);
const one = scanInChild(file, cache);
const split = mailsplit(file);
const python = pythonScan(file);

const x8File = join(work, 'x8.mbox');
await writeCopies(file, 8, x8File);
const x8 = scanInChild(x8File, cache);
rmSync(work, { recursive: true, force: true });

const figures = {
  mails: one.mails,
  mails_per_s: Math.round(one.mails / one.seconds),
  series: one.series,
  peak_rss_mb: Math.round(one.peakRssMb),
  peak_rss_mb_first_run: Math.round(cold.peakRssMb),
  mails_per_s_first_run: Math.round(cold.mails / cold.seconds),
  git_mailsplit_mails_per_s: Math.round(split.mails / split.seconds),
  ratio_vs_git_mailsplit: Number((one.seconds / split.seconds).toFixed(2)),
  mails_x8: x8.mails,
  mails_per_s_x8: Math.round(x8.mails / x8.seconds),
  peak_rss_mb_x8: Math.round(x8.peakRssMb),
  kb_per_mail: Number((((x8.peakRssMb - one.peakRssMb) * 1024) / (x8.mails - one.mails)).toFixed(1)),
  python_email_peak_rss_mb: python && Math.round(python.peakRssMb),
  peak_ratio_vs_python_email: python && Number((one.peakRssMb / python.peakRssMb).toFixed(2)),
  load_average: Number(load.toFixed(1)),
};
console.log(`scan of ${file}`);
console.log(
  `  patchferry scan --json: ${figures.mails} mails in ${one.seconds.toFixed(2)} s = ${figures.mails_per_s} mails/s, ${figures.series} series, peak RSS ${figures.peak_rss_mb} MB`,
);
console.log(
  `  its first run with an empty compile cache (as before the install's warm-up): ${figures.mails_per_s_first_run} mails/s, peak RSS ${figures.peak_rss_mb_first_run} MB`,
);
console.log(
  `  git mailsplit (split only, no parsing): ${split.mails} mails in ${split.seconds.toFixed(2)} s = ${figures.git_mailsplit_mails_per_s} mails/s`,
);
console.log(`  patchferry takes ${figures.ratio_vs_git_mailsplit}x the time of git mailsplit`);
console.log(
  `  eight copies (${figures.mails_x8} mails): ${figures.mails_per_s_x8} mails/s, peak RSS ${figures.peak_rss_mb_x8} MB, ${figures.kb_per_mail} KB more per mail`,
);
if (python) {
  console.log(
    `  Python's email package, streaming: ${python.mails} mails in ${python.seconds.toFixed(2)} s, peak RSS ${figures.python_email_peak_rss_mb} MB (patchferry: ${figures.peak_ratio_vs_python_email}x)`,
  );
} else console.log("  Python's email package: not measured (no python3)");
console.log(
  `  load average when started: ${figures.load_average} (the machine's other work slows every figure)`,
);
console.log(JSON.stringify(figures));
