#!/usr/bin/env -S node --max-semi-space-size=4
// --max-semi-space-size: V8 lets the young generation grow to 64 MB of mostly garbage (and Buffers
// waiting for it to be collected) while a command reads an archive; 8 MB keeps `scan` and `import`
// of a long archive ~50 MB smaller at the same speed (npm run bench:scan). package.json's scripts and
// bench/scan.ts run with the flags on this line too.
// Kept free of type syntax so that an older Node reaches the version check below instead of a syntax error.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `patchferry needs Node.js 24 or newer; this is ${process.version}.\n` +
      'Run it through npm ("npm run patchferry -- <command>" or "npx patchferry"), which uses the Node 24 from node_modules.\n',
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
