import { afterAll, it } from 'vitest';

/** Runs corpus rows as tests. A row listed in `known` is expected to fail for the reason given:
 * it runs with it.fails, so the suite stays green while it fails and turns red once it passes
 * (then the mark must go). The tally of passing rows is printed after the file. */
export function corpusCases<T>(
  corpus: string,
  rows: readonly T[],
  name: (row: T) => string,
  check: (row: T) => void | Promise<void>,
  known: Readonly<Record<string, string>> = {},
): void {
  let passed = 0;
  for (const row of rows) {
    const id = name(row);
    const reason = known[id];
    if (reason !== undefined) {
      it.fails(`${id} [known failure: ${reason}]`, () => check(row));
    } else {
      it(id, async () => {
        await check(row);
        passed++;
      });
    }
  }
  afterAll(() => {
    console.log(
      `corpus ${corpus}: ${passed} of ${rows.length} cases pass, ${Object.keys(known).length} known failures`,
    );
  });
}
