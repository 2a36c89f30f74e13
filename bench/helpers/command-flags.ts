import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The Node flags on bin/patchferry.mjs's `#!/usr/bin/env -S node …` line: how the command runs,
 * so a bench runs it (or a child standing for it) with the same heap settings. */
export function commandFlags(): string[] {
  const first =
    readFileSync(join(import.meta.dirname, '..', '..', 'bin', 'patchferry.mjs'), 'utf8').split('\n')[0] ?? '';
  return first.split(/\s+/).filter((word) => word.startsWith('--'));
}
