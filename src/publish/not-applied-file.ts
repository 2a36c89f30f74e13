import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { NotAppliedRecord } from '../ports/not-applied-record.ts';
import { PatchferryError, errorMessage } from '../shared/errors.ts';

import { CI_DIR } from './layout.ts';

const FILE = 'not-applied.json';

const record = z.object({ series: z.array(z.string()) });

/**
 * NotAppliedRecord as `<root>/.ci/not-applied.json` in the published tree (publisher.root), which
 * outlives the jobs as the nightly tree does (a job reads what the last nightly built there too).
 * Not deployed to a remote mirror: only the jobs read it. Written whole and renamed into place.
 */
export class FileNotAppliedRecord implements NotAppliedRecord {
  readonly #file: string;

  constructor(options: { readonly root: string }) {
    this.#file = join(options.root, CI_DIR, FILE);
  }

  async reported(): Promise<ReadonlySet<string>> {
    let text: string;
    try {
      text = await readFile(this.#file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
      throw unreadable(this.#file, err);
    }
    let parsed;
    try {
      parsed = record.safeParse(JSON.parse(text));
    } catch (err) {
      throw unreadable(this.#file, err);
    }
    if (!parsed.success) throw unreadable(this.#file, parsed.error);
    return new Set(parsed.data.series);
  }

  async replace(seriesIds: readonly string[]): Promise<void> {
    await mkdir(join(this.#file, '..'), { recursive: true });
    const partial = `${this.#file}.${process.pid}.partial`;
    await writeFile(partial, `${JSON.stringify({ series: [...new Set(seriesIds)].sort() }, null, 1)}\n`);
    await rename(partial, this.#file);
  }
}

function unreadable(file: string, err: unknown): PatchferryError {
  return new PatchferryError(
    'not_applied_unreadable',
    `cannot read ${file}, the series earlier CI jobs reported as not applying: ${errorMessage(err)}; remove it (each such series is then reported once more)`,
    { cause: err },
  );
}
