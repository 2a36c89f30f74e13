// npm run bench:apply [-- --repo PATH] [-- --count N]: applies a series made with git format-patch
// from real history (this repository by default) the way patchferry does (mirror fetch; the series
// applied in memory and written with git fast-import, or git am --3way in a worktree when the fast
// path declines it; push to the series' branch), and times plain `git am --3way` of the same mails
// in a ready checkout, in the same run. Each is timed --runs times (15), alternating which goes
// first; each run's pair gives a ratio, and the median ratio is the figure.
// Ends with one JSON line of the figures.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { GitApplier } from '../src/git/applier.ts';
import { GitMirror } from '../src/git/mirror.ts';
import { Writable } from 'node:stream';
import { createLogger } from '../src/shared/log.ts';

const { values } = parseArgs({
  options: { repo: { type: 'string' }, count: { type: 'string' }, runs: { type: 'string' } },
});
const source = resolve(values.repo ?? join(import.meta.dirname, '..'));
const wanted = Number(values.count ?? 50);
const runs = Number(values.runs ?? 15);
const git = (cwd: string, args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: {
      ...process.env,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_COMMITTER_NAME: 'bench',
      GIT_COMMITTER_EMAIL: 'bench@localhost',
    },
  });

// The newest run of `wanted` commits without merges on the first-parent line, and the commit below
// it: merges are skipped over (format-patch of a range holding one lists the merged side too).
const line = git(source, ['rev-list', '--first-parent', '--parents', 'HEAD'])
  .trim()
  .split('\n')
  .map((l) => l.split(' '));
let start = 0;
let count = 0;
for (let i = 0; i < line.length - 1 && count < wanted; i++) {
  if ((line[i] ?? []).length === 2) count++;
  else {
    start = i + 1;
    count = 0;
  }
}
if (count < wanted)
  console.log(
    `note: ${source} has only ${count} linear commits on its first-parent line; the series has ${count} patches`,
  );
const tip = line[start]?.[0] ?? '';
const base = line[start + count]?.[0] ?? '';
const dir = mkdtempSync(join(tmpdir(), 'bench-apply-'));
try {
  const upstream = join(dir, 'upstream.git');
  git(dir, ['clone', '-q', '--bare', '--no-local', source, upstream]);
  git(upstream, ['update-ref', 'refs/heads/bench-base', base]);
  const mbox = git(source, ['format-patch', '--stdout', '--thread=shallow', `${base}..${tip}`]);
  const mails = mbox
    .split(/^(?=From [0-9a-f]{40} Mon Sep 17 00:00:00 2001$)/m)
    .filter((m) => m.trim() !== '')
    .map((m) => Buffer.from(m));
  const mailDir = join(dir, 'mails');
  execFileSync('mkdir', [mailDir]);
  const files = mails.map((raw, i) => {
    const file = join(mailDir, `${String(i + 1).padStart(4, '0')}.eml`);
    writeFileSync(file, raw);
    return file;
  });
  const patches = mails.map((raw, i) => ({ part: i + 1, subject: `patch ${i + 1}`, raw, trailers: [] }));

  // The applier logs how long each of its steps took; they are printed beside the totals.
  const steps: Record<string, number>[] = [];
  const ways = new Map<string, number>();
  const destination = new Writable({
    write(line: Buffer, _encoding, done) {
      const event = JSON.parse(line.toString()) as {
        msg?: string;
        ms?: Record<string, number>;
        via?: string;
        fastPathDeclined?: string;
      };
      if (event.msg === 'series applied' && event.ms) {
        steps.push(event.ms);
        const way = event.fastPathDeclined ? `${event.via} (${event.fastPathDeclined})` : (event.via ?? '?');
        ways.set(way, (ways.get(way) ?? 0) + 1);
      }
      done();
    },
  });
  const mirror = new GitMirror({ workDir: join(dir, 'pf') });
  const applier = new GitApplier({ mirror, log: createLogger({ destination }) });
  await mirror.branchTip('bench', upstream, 'bench-base'); // the mirror exists in steady state
  const checkout = join(dir, 'checkout');
  git(dir, ['clone', '-q', upstream, checkout]);

  const ours: number[] = [];
  const plain: number[] = [];
  // What a maintainer does by hand after `git am`: push the result. Timed apart, so that git am's own
  // figure stays the one the aim names.
  const plainPush: number[] = [];
  // Every run makes commits of its own (a committer date of its own), as a new series would: two
  // runs within one second would otherwise make the same commits, and their push would send nothing.
  const committerDate = (run: number, side: number) => `${1_800_000_000 + run * 2 + side} +0000`;
  const timePlain = (run: number) => {
    process.env.GIT_COMMITTER_DATE = committerDate(run, 1);
    git(checkout, ['checkout', '-q', '--detach', base]);
    const started = performance.now();
    git(checkout, ['am', '--3way', '--quiet', ...files]);
    plain.push((performance.now() - started) / 1000);
    const pushing = performance.now();
    git(checkout, ['push', '-q', '-f', 'origin', `HEAD:refs/heads/plain/run-${run}`]);
    plainPush.push((performance.now() - pushing) / 1000);
  };
  for (let run = 0; run < runs; run++) {
    // Alternate which goes first, so neither always finds the caches warmer.
    if (run % 2 === 1) timePlain(run);
    process.env.GIT_COMMITTER_DATE = committerDate(run, 0);
    const started = performance.now();
    const result = await applier.apply({
      project: 'bench',
      gitUrl: upstream,
      branch: 'bench-base',
      workName: `bench-${run}`,
      patches,
      pushTo: { branch: `patchferry/bench-base/run-${run}`, force: true },
    });
    ours.push((performance.now() - started) / 1000);
    if (!result.ok)
      throw new Error(`patchferry could not apply patch ${result.failedPart}: ${result.output}`);
    if (run % 2 === 0) timePlain(run);
  }
  // These machines are noisy, and slow down and speed up by a factor of two within a minute: each
  // run's two timings are taken back to back and compared with each other, and the median of those
  // ratios is the figure. Medians and bests of each side are printed beside it.
  const best = (xs: number[]) => Math.min(...xs);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const ratios = ours.map((t, i) => t / (plain[i] ?? NaN));
  const figures = {
    patches: mails.length,
    runs,
    patchferry_s: Number(median(ours).toFixed(3)),
    git_am_s: Number(median(plain).toFixed(3)),
    ratio_vs_git_am: Number(median(ratios).toFixed(2)),
    best_ratio_vs_git_am: Number((best(ours) / best(plain)).toFixed(2)),
    git_am_push_s: Number(median(plain.map((t, i) => t + (plainPush[i] ?? NaN))).toFixed(3)),
    ratio_vs_git_am_push: Number(
      median(ours.map((t, i) => t / ((plain[i] ?? NaN) + (plainPush[i] ?? NaN)))).toFixed(2),
    ),
  };
  const fmt = (xs: number[]) => `median ${median(xs).toFixed(3)} s, best ${best(xs).toFixed(3)} s`;
  console.log(`apply a ${figures.patches}-patch series from ${source} (${runs} runs each)`);
  console.log(`  patchferry (fetch, apply, push):            ${fmt(ours)}`);
  console.log(`  plain git am --3way in a ready checkout:    ${fmt(plain)}`);
  console.log(`  plain git push of that result afterwards:   ${fmt(plainPush)}`);
  console.log(
    `  patchferry applied the series by: ${[...ways].map(([way, n]) => `${way} ×${n}`).join(', ')}`,
  );
  const stepNames = Object.keys(steps[0] ?? {});
  console.log(
    `  patchferry's steps (median ms): ${stepNames.map((name) => `${name} ${median(steps.map((s) => s[name] ?? 0))}`).join(', ')}`,
  );
  console.log(
    `  patchferry takes ${figures.ratio_vs_git_am}x the time of plain git am run beside it (median of ${runs} runs; best against best ${figures.best_ratio_vs_git_am}x)`,
  );
  console.log(
    `  against git am followed by git push, as by hand: ${figures.ratio_vs_git_am_push}x (median of paired runs)`,
  );
  console.log(JSON.stringify(figures));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
