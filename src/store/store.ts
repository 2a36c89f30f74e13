import type { Store } from '../ports/store.ts';
import { BuildRecords } from './build-records.ts';
import { CheckRecords } from './check-records.ts';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { openDatabase, transaction, type Database } from './database.ts';
import { lockDatabase } from './lock.ts';
import { MailRecords } from './mail-records.ts';
import { MergeRequestRecords } from './merge-request-records.ts';
import { Overview } from './overview.ts';
import { PositionRecords } from './position-records.ts';
import { ReleaseRecords } from './release-records.ts';
import { SeriesRecords } from './series-records.ts';
import { WorkRecords } from './work-records.ts';

/** The state database (SQLite through node:sqlite) as the core's Store, opened once per process.
 * `:memory:` gives a database of its own that lives as long as the store: the in-memory store
 * the use-case tests run on. A file database is locked for this process (store/lock.ts) unless
 * `lock: false` (a reader that changes nothing, such as a test looking at the state). */
export function openStore(path: string, options: { lock?: boolean } = {}): Store {
  let unlock = () => {};
  if (path !== ':memory:' && options.lock !== false) {
    mkdirSync(dirname(path), { recursive: true });
    unlock = lockDatabase(path);
  }
  let db: Database;
  try {
    db = openDatabase(path);
  } catch (err) {
    unlock();
    throw err;
  }
  return {
    mails: new MailRecords(db),
    series: new SeriesRecords(db),
    mergeRequests: new MergeRequestRecords(db),
    builds: new BuildRecords(db),
    checks: new CheckRecords(db),
    positions: new PositionRecords(db),
    releases: new ReleaseRecords(db),
    work: new WorkRecords(db),
    overview: new Overview(db),
    atomically: (work) => transaction(db, work),
    close: () => {
      db.close();
      unlock();
    },
  };
}
