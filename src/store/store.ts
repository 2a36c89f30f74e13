import { BuildRecords } from './build-records.ts';
import { openDatabase, transaction, type Database } from './database.ts';
import { MailRecords } from './mail-records.ts';
import { MergeRequestRecords } from './merge-request-records.ts';
import { PositionRecords } from './position-records.ts';
import { ReportRecords } from './report-records.ts';
import { SeriesRecords } from './series-records.ts';

/** The state database and its record kinds, opened once per job. */
export interface Store {
  readonly db: Database;
  readonly mails: MailRecords;
  readonly series: SeriesRecords;
  readonly mergeRequests: MergeRequestRecords;
  readonly builds: BuildRecords;
  readonly reports: ReportRecords;
  readonly positions: PositionRecords;
  /** Runs `work` in one transaction: an outcome and the mails it finalises are recorded together. */
  atomically<T>(work: () => T): T;
  close(): void;
}

export function openStore(path: string): Store {
  const db = openDatabase(path);
  return {
    db,
    mails: new MailRecords(db),
    series: new SeriesRecords(db),
    mergeRequests: new MergeRequestRecords(db),
    builds: new BuildRecords(db),
    reports: new ReportRecords(db),
    positions: new PositionRecords(db),
    atomically: (work) => transaction(db, work),
    close: () => db.close(),
  };
}
