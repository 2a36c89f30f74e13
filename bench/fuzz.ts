// npm run bench:fuzz [-- SECONDS [SEED]]: the fuzz test's generated malformed mails (truncation,
// NUL and control bytes, huge headers, deep nesting, bad encodings, pathological subjects) through
// the whole recognition path for longer (60 s by default), in rounds of 10 s with seeds 1, 2, …
// (or SEED alone). A crash prints its seed and mail number, which reproduce it. As the peer, as
// many mails of seed 1 are only generated, to show how much of the time recognition takes (a
// ratio). Ends with one JSON line: {"fuzz_mails": …, "crashes": …, …}.
import { fuzzMails, fuzzRecognition } from '../test/helpers/fuzz-mail.ts';

const seconds = Number(process.argv[2] ?? 60);
const fixedSeed = process.argv[3] === undefined ? null : Number(process.argv[3]);
const ROUND_S = 10;

let mails = 0;
let quarantined = 0;
let slowestMs = 0;
const crashes: { seed: number; mail: number; error: string }[] = [];
const start = performance.now();
for (let round = 0; performance.now() - start < seconds * 1000; round++) {
  const seed = fixedSeed ?? round + 1;
  const left = seconds * 1000 - (performance.now() - start);
  const r = await fuzzRecognition({ seed, ms: Math.min(ROUND_S * 1000, left) });
  mails += r.mails;
  quarantined += r.quarantined;
  slowestMs = Math.max(slowestMs, r.slowestMs);
  crashes.push(...r.crashes);
  console.log(
    `seed ${seed}: ${r.mails} mails, ${r.quarantined} quarantined, ${r.crashes.length} crashes, slowest mail ${r.slowestMs} ms`,
  );
  for (const c of r.crashes.slice(0, 5)) console.log(`  CRASH seed ${c.seed} mail ${c.mail}: ${c.error}`);
  if (fixedSeed !== null) break;
}
const elapsed = (performance.now() - start) / 1000;
const genStart = performance.now();
let bytes = 0;
const gen = fuzzMails(1);
for (let i = 0; i < mails; i++) bytes += gen.next().value?.length ?? 0;
const genS = (performance.now() - genStart) / 1000;
console.log(
  `generating the same number of mails alone: ${genS.toFixed(1)} s (${Math.round(bytes / 1024 / 1024)} MB)`,
);
console.log(
  `${mails} mails in ${elapsed.toFixed(1)} s (${Math.round(mails / elapsed)}/s), ${quarantined} quarantined`,
);
console.log(
  JSON.stringify({
    fuzz_mails: mails,
    crashes: crashes.length,
    quarantined,
    mails_per_s: Math.round(mails / elapsed),
    slowest_mail_ms: slowestMs,
    recognition_to_generation: Math.round((elapsed / Math.max(genS, 0.001)) * 10) / 10,
  }),
);
if (crashes.length > 0) process.exitCode = 1;
