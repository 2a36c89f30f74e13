// @ts-check
// One `patchferry scan --json FILE` as the command runs it (bin/patchferry.mjs: the compile cache
// on before any TypeScript is loaded), its output counted and dropped; then its figures as one
// JSON line. Run by bench/scan.ts in a process of its own, so that the peak RSS is the scan's.
import { keepCompileCache } from '../../bin/compile-cache.mjs';

keepCompileCache();
const { main } = await import('../../src/cli/main.ts');
let mails = 0;
let series = 0;
let section = '';
const started = performance.now();
const status = await main(['scan', '--json', process.argv[2] ?? ''], {
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
process.exitCode = status;
