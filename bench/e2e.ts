// npm run bench:e2e [-- RUNS]: the end-to-end flow of test/e2e with the local builder, RUNS times
// (default 5) in one world: git send-email → OpenSMTPD → Dovecot → `patchferry serve` (IMAP IDLE)
// → merge request on the GitLab test server → merge webhook → rpmbuild in the bubblewrap sandbox
// → createrepo_c → Apache → dnf. Needs root and ci/setup --test, as the test does.
// Figures, medians over the runs, in seconds:
//   mail_to_mr_s            git send-email starting → the merge request exists on the forge
//   merge_to_installable_s  merge webhook posted → the build's repository published (served by Apache)
//   build_s                 the build itself, as patchferry recorded it
//   overhead_s              merge_to_installable_s − build_s: what patchferry adds around the build
// Ends with one JSON line of them.
import { startE2eWorld, type E2eRun } from '../test/e2e/world.ts';

const runs = Number(process.argv[2] ?? 5);
if (!Number.isInteger(runs) || runs < 1)
  throw new Error(`RUNS must be a whole number ≥ 1, not ${process.argv[2]}`);

const world = await startE2eWorld();
const results: E2eRun[] = [];
try {
  for (let i = 0; i < runs; i++) {
    const run = await world.run(`run${i}`);
    results.push(run);
    const overhead = run.mergeToInstallableS - run.buildS;
    console.log(
      `run ${i + 1}/${runs}: mail→MR ${run.mailToMrS.toFixed(2)} s, merge→installable ${run.mergeToInstallableS.toFixed(2)} s ` +
        `(build ${run.buildS.toFixed(2)} s, overhead ${overhead.toFixed(2)} s), installed ${run.rpms[0] ?? '?'}`,
    );
  }
} finally {
  const dead = world
    .log()
    .split('\n')
    .filter((l) => l.includes('"unit dead"'));
  if (dead.length > 0) console.log(`units given up on:\n${dead.join('\n')}`);
  await world.stop();
}

const figures = {
  mail_to_mr_s: round(median(results.map((r) => r.mailToMrS))),
  merge_to_installable_s: round(median(results.map((r) => r.mergeToInstallableS))),
  build_s: round(median(results.map((r) => r.buildS))),
  overhead_s: round(median(results.map((r) => r.mergeToInstallableS - r.buildS))),
};
console.log(
  `medians over ${runs} runs: mail→MR ${figures.mail_to_mr_s} s (aim < 5 s), overhead ${figures.overhead_s} s (aim < 10 s); ` +
    `build is ${round(figures.build_s / figures.merge_to_installable_s)} of merge→installable`,
);
console.log(JSON.stringify(figures));

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
