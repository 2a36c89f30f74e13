import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where the shared real-world corpora are: $PATCHFERRY_CORPORA, else ../shared/corpora beside the
 * repository. Tests read them in place and never copy them. */
export function corporaDir(): string {
  return resolve(
    process.env.PATCHFERRY_CORPORA ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'corpora'),
  );
}

/** Whether the corpora can be read here. Outside CI a missing corpus skips its tests with a line
 * that says why; under CI=true it is an error, because CI must exercise them. */
export function corporaAvailable(): boolean {
  const dir = corporaDir();
  if (existsSync(join(dir, 'README.md'))) return true;
  if (process.env.CI === 'true') {
    throw new Error(`the corpora are missing at ${dir} (CI=true requires them; set PATCHFERRY_CORPORA)`);
  }
  console.warn(`corpus tests skipped: no corpora at ${dir} (set PATCHFERRY_CORPORA to their folder)`);
  return false;
}
