import type { Config } from '../config/schema.ts';
import { openStore } from '../store/store.ts';

/**
 * `patchferry retry [KEY…]`: units given up on (dead) are asked for again, every one or those whose
 * key starts with one of `prefixes`; the next run of their stage, or a running daemon within a
 * minute, takes them up. It only marks rows, so it does not take the database's lock: it works
 * beside a running `watch`. Returns the keys reopened.
 */
export function retryDead(config: Config, prefixes: readonly string[]): string[] {
  const store = openStore(config.state.database, { lock: false });
  try {
    return store.work.reopenDead(prefixes);
  } finally {
    store.close();
  }
}
