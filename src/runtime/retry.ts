import type { Config } from '../config/schema.ts';
import { existsSync } from 'node:fs';
import { ConfigError } from '../shared/errors.ts';
import { unitAskedAgain } from '../app/report/dead.ts';
import { keyMatches } from '../store/work-records.ts';
import { openStore } from '../store/store.ts';

/**
 * `patchferry retry [KEY…]`: units given up on (dead) are asked for again, every one or those
 * `selectors` name: a whole key, or the start of keys when it ends in ':' or '*' (keyMatches). A
 * series given up on is complete again and applied by its unit (unitAskedAgain). The next run of their stage, or a running daemon within a
 * minute, takes them up. It only marks rows, so it does not take the database's lock: it works
 * beside a running `watch`. Returns the keys reopened.
 */
export function retryDead(config: Config, selectors: readonly string[]): string[] {
  if (!existsSync(config.state.database))
    throw new ConfigError('state.database', [
      `no state database at ${config.state.database}: nothing was ever run with this configuration, or state.database names another file`,
    ]);
  const store = openStore(config.state.database, { lock: false });
  try {
    // Notices of units given up on are asked for again only by name: "retry" alone re-sends the
    // work, not old news of it.
    const work = store.work
      .list('dead')
      .filter((u) =>
        selectors.length > 0 ? selectors.some((s) => keyMatches(u.key, s)) : !u.key.startsWith('dead:'),
      );
    return work.filter((u) => unitAskedAgain(store, u)).map((u) => u.key);
  } finally {
    store.close();
  }
}
