// npm run bench:import [-- FILE]: `patchferry import` of a real list archive into a new state
// database, as the command runs (its Node flags, a process of its own), with the archive's list
// claimed by a project of the demo world and its senders not trusted (series held, nothing
// applied). Against `scan --json` of the same archive in the same run: the import's peak over the
// scan's; and of eight copies of the archive, for the memory a mail more costs. Ends with one JSON
// line of the figures.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { demoConfig } from '../src/demo/demo.ts';
import { createDemoWorld } from '../src/demo/world.ts';
import { commandFlags } from './helpers/command-flags.ts';
import { writeCopies } from './helpers/copies.ts';

const root = join(import.meta.dirname, '..');
const corpora = resolve(process.env.PATCHFERRY_CORPORA ?? join(root, '..', 'shared', 'corpora'));
const file = resolve(process.argv[2] ?? join(corpora, 'kbuild', 'linux-kbuild-2025.mbox.gz'));
if (!existsSync(file)) {
  console.error(`bench:import: ${file} not found (give a file, or set PATCHFERRY_CORPORA)`);
  process.exit(2);
}

/** One run of the command in `cwd`: its exit status, first output line, seconds and peak RSS (MB,
 * reported by the process itself as it exits). */
function command(cwd: string, args: string[]) {
  const report = join(cwd, 'peak.json');
  const hook = `import { writeFileSync } from 'node:fs'; process.on('exit', () => writeFileSync(${JSON.stringify(report)}, String(process.resourceUsage().maxRSS / 1024)));`;
  const started = performance.now();
  const child = spawnSync(
    process.execPath,
    [
      ...commandFlags(),
      '--import',
      `data:text/javascript,${encodeURIComponent(hook)}`,
      join(root, 'bin', 'patchferry.mjs'),
      ...args,
    ],
    { cwd, encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    status: child.status,
    first: child.stdout.split('\n')[0] ?? '',
    seconds,
    peakRssMb: Number(readFileSync(report, 'utf8')),
  };
}

const load = loadavg()[0] ?? 0;
const dir = mkdtempSync(join(tmpdir(), 'bench-import-'));
const listId = /^List-Id:.*<([^>]+)>/im.exec(
  spawnSync('sh', ['-c', 'gzip -cdf "$1" | head -c 200000', 'sh', file], { encoding: 'latin1' }).stdout,
)?.[1];

/** A new demo world whose project claims the archive's list, its state database empty. */
async function world(name: string): Promise<string> {
  const made = await createDemoWorld(join(dir, name));
  writeFileSync(
    join(made.dir, 'patchferry.yml'),
    demoConfig('http://127.0.0.1:1/')
      .replace('path: list.mbox', 'path: elsewhere.mbox')
      .replace('    platforms: [el9, fc41]', `    platforms: [el9, fc41]\n    lists: [${listId ?? 'none'}]`),
  );
  return made.dir;
}

/** `import` of `archive` into a new world; exits the bench if the command fails. */
async function importInto(name: string, archive: string) {
  const cwd = await world(name);
  const run = command(cwd, ['import', '--config', 'patchferry.yml', archive]);
  if (run.status !== 0 && run.status !== 1) {
    console.error(`bench:import: import failed (${run.status}): ${run.first}`);
    process.exit(1);
  }
  return { ...run, cwd, mails: Number(/^sync: (\d+) new mail/.exec(run.first)?.[1] ?? 0) };
}

const imported = await importInto('world', file);
const scanned = command(imported.cwd, ['scan', '--json', file]);
// Eight copies (Message-IDs made unique): what a mail more costs, and whether memory is bounded.
const x8File = join(dir, 'x8.mbox');
await writeCopies(file, 8, x8File);
const x8 = await importInto('world-x8', x8File);
rmSync(dir, { recursive: true, force: true });
const mails = imported.mails;
const figures = {
  import_mails: mails,
  import_seconds: Number(imported.seconds.toFixed(1)),
  import_mails_per_s: Math.round(mails / imported.seconds),
  import_peak_rss_mb: Math.round(imported.peakRssMb),
  scan_peak_rss_mb: Math.round(scanned.peakRssMb),
  import_peak_ratio_vs_scan: Number((imported.peakRssMb / scanned.peakRssMb).toFixed(2)),
  import_mails_x8: x8.mails,
  import_mails_per_s_x8: Math.round(x8.mails / x8.seconds),
  import_peak_rss_mb_x8: Math.round(x8.peakRssMb),
  import_kb_per_mail: Number((((x8.peakRssMb - imported.peakRssMb) * 1024) / (x8.mails - mails)).toFixed(1)),
  load_average: Number(load.toFixed(1)),
};
console.log(`import of ${file} (list ${listId ?? 'unknown'} claimed, senders not trusted)`);
console.log(`  ${imported.first}`);
console.log(
  `  ${mails} mails in ${figures.import_seconds} s = ${figures.import_mails_per_s} mails/s, peak RSS ${figures.import_peak_rss_mb} MB`,
);
console.log(
  `  scan --json of the same archive: peak RSS ${figures.scan_peak_rss_mb} MB (import: ${figures.import_peak_ratio_vs_scan}x)`,
);
console.log(
  `  eight copies (${x8.mails} mails): ${figures.import_mails_per_s_x8} mails/s, peak RSS ${figures.import_peak_rss_mb_x8} MB, ${figures.import_kb_per_mail} KB more per mail`,
);
console.log(`  load average when started: ${figures.load_average}`);
console.log(JSON.stringify(figures));
