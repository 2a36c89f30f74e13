import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { corporaDir } from './corpora.ts';

/** Where the shared cases (inputs patchferry got wrong, with their right values) are:
 * $PATCHFERRY_CASES, else `cases` beside the corpora. Tests read them in place and never copy them. */
export function casesDir(): string {
  return resolve(process.env.PATCHFERRY_CASES ?? join(corporaDir(), '..', 'cases'));
}

/** Whether the cases can be read here: outside CI a missing folder skips its tests with a line that
 * says why; under CI=true it is an error. */
export function casesAvailable(): boolean {
  const dir = casesDir();
  if (existsSync(join(dir, 'README.md'))) return true;
  if (process.env.CI === 'true') {
    throw new Error(`the cases are missing at ${dir} (CI=true requires them; set PATCHFERRY_CASES)`);
  }
  console.warn(`case tests skipped: no cases at ${dir} (set PATCHFERRY_CASES to their folder)`);
  return false;
}

/** The input mailbox of one case. */
export function caseMbox(group: string, name: string): string {
  return join(casesDir(), group, name, 'input.mbox');
}
