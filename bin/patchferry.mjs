#!/usr/bin/env -S node --max-semi-space-size=4 --heap-growing-percent=20
// @ts-check
// The command. Plain JavaScript (with compile-cache.mjs): an older Node reaches the version check
// below instead of failing on the .ts extension, and the compile cache is on before any
// TypeScript is loaded (a .ts file here would load the type stripper at every start).
// Node flags (package.json's scripts, bench/scan.ts and the examples run with the ones on the
// first line too; npm run bench:scan measures them):
// --max-semi-space-size=4: V8 lets the young generation grow to 64 MB of mostly garbage (and
//   Buffers waiting for it to be collected) while a command reads an archive; 8 MB keeps `scan`
//   and `import` of a long archive ~50 MB smaller at the same speed.
// --heap-growing-percent=20: the old generation is collected when it grows by a fifth, not by up
//   to four times as V8 chooses for speed: `scan` of a year of a list ~15 MB smaller, ~10% more CPU.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  // Where this clone's own Node 24 is (ci/setup and npm ci install it), so the message can say
  // exactly what to run from anywhere.
  const { existsSync, readFileSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const node = fileURLToPath(new URL('../node_modules/.bin/node', import.meta.url));
  const self = fileURLToPath(import.meta.url);
  const clone = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
  // The Node flags of the first line, which the command wants wherever it is started from.
  const flags = (readFileSync(self, 'utf8').split('\n')[0] ?? '')
    .split(/\s+/)
    .filter((word) => word.startsWith('--'))
    .join(' ');
  process.stderr.write(
    `patchferry needs Node.js 24 or newer; this is ${process.version}.\n` +
      (existsSync(node)
        ? `Run it with the Node 24 of ${clone}:\n  ${node} ${flags} ${self} <command>\n` +
          '(or, inside that folder, "npx patchferry <command>").\n'
        : `Install the Node 24 it runs on first: run "ci/setup" (or "npm ci") in ${clone}.\n`),
  );
  process.exit(2);
}
// A reader that stops early (`| head`) is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
// Ctrl-C or SIGTERM is passed to a command that listens (io.interrupted): it stops its work and exits
// as usual. A second one, or one no command listens for, exits at once with the shell's status for
// the signal (130 for Ctrl-C); tools still running are killed as the process exits (shared/run.ts).
// Left to Node's default, such a signal would end the process without its exit handlers.
const interruption = Promise.withResolvers();
let listening = false;
let signalled = false;
const onSignal = (signal = 'SIGINT') => {
  if (signalled || !listening) process.exit(signal === 'SIGTERM' ? 143 : signal === 'SIGHUP' ? 129 : 130);
  signalled = true;
  interruption.resolve(undefined);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// SIGHUP asks serve to reload its configuration; to a command that does not listen for it, it is
// the terminal hanging up: it stops like SIGTERM.
const hangups = new EventTarget();
let hangupListeners = 0;
process.on('SIGHUP', () => {
  if (hangupListeners === 0) return onSignal('SIGHUP');
  hangups.dispatchEvent(new Event('hangup'));
});
// Before any TypeScript is imported, so that a warm cache loads no type stripper.
const { keepCompileCache } = await import('./compile-cache.mjs');
keepCompileCache();
const { main } = await import('../src/cli/main.ts');
const status = await main(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  interrupted: () => {
    listening = true;
    return interruption.promise.then(() => undefined);
  },
  hangups: (listener) => {
    hangupListeners += 1;
    hangups.addEventListener('hangup', () => listener());
  },
});
process.exitCode = status;
