// npm run bench:scan [-- FILE]: `patchferry scan --json` over a real list archive, against
// `git mailsplit` of the same mails in the same run. Ends with one JSON line of the figures.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../src/cli/main.ts';

const corpora = resolve(
  process.env.PATCHFERRY_CORPORA ?? join(import.meta.dirname, '..', '..', 'shared', 'corpora'),
);
const file = process.argv[2] ?? join(corpora, 'kbuild', 'linux-kbuild-2025.mbox.gz');
if (!existsSync(file)) {
  console.error(`bench:scan: ${file} not found (give a file, or set PATCHFERRY_CORPORA)`);
  process.exit(2);
}

let output = '';
const started = performance.now();
const status = await main(['scan', '--json', file], {
  out: (line) => (output = line),
  err: (line) => console.error(line),
  env: process.env,
  interrupted: () => Promise.resolve(),
});
const seconds = (performance.now() - started) / 1000;
if (status !== 0) process.exit(status);
const doc = JSON.parse(output) as { mails: unknown[]; series: unknown[] };
const peakRssMb = process.resourceUsage().maxRSS / 1024;

// The raw tool: git's own mbox splitter, which reads no MIME at all.
const dir = mkdtempSync(join(tmpdir(), 'bench-mailsplit-'));
const splitStarted = performance.now();
const split = Number(
  execFileSync('sh', ['-c', `gzip -cdf "$1" | git mailsplit -o"$2"`, 'sh', file, dir], {
    encoding: 'utf8',
  }).trim(),
);
const splitSeconds = (performance.now() - splitStarted) / 1000;
rmSync(dir, { recursive: true, force: true });

const figures = {
  mails: doc.mails.length,
  mails_per_s: Math.round(doc.mails.length / seconds),
  series: doc.series.length,
  peak_rss_mb: Math.round(peakRssMb),
  git_mailsplit_mails_per_s: Math.round(split / splitSeconds),
  ratio_vs_git_mailsplit: Number((seconds / splitSeconds).toFixed(2)),
};
console.log(`scan of ${file}`);
console.log(
  `  patchferry scan --json: ${figures.mails} mails in ${seconds.toFixed(2)} s = ${figures.mails_per_s} mails/s, ${figures.series} series, peak RSS ${figures.peak_rss_mb} MB`,
);
console.log(
  `  git mailsplit (split only, no parsing): ${split} mails in ${splitSeconds.toFixed(2)} s = ${figures.git_mailsplit_mails_per_s} mails/s`,
);
console.log(`  patchferry takes ${figures.ratio_vs_git_mailsplit}x the time of git mailsplit`);
console.log(JSON.stringify(figures));
