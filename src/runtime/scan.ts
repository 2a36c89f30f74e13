import {
  scanStreaming,
  type ScanDocument,
  type ScanRules,
  type ScannedMail,
  type ScannedSeries,
} from '../app/intake/scan.ts';
import { sourceForPath } from '../ingest/open-path.ts';
import type { RoutingTable } from '../series/route.ts';
import type { Warnings } from '../shared/log.ts';

export type { ScanDocument, ScannedMail, ScannedSeries };

/** `patchferry scan`: mailbox files described, nothing recorded. A module of its own, so that scan
 * loads neither the database nor any forge or IMAP client. */
export async function scanFiles(paths: readonly string[], table: RoutingTable | null): Promise<ScanDocument> {
  const mails: ScannedMail[] = [];
  const series = await scanFilesStreaming(paths, table, (mail) => mails.push(mail));
  return { mails, series };
}

/** scanFiles, each mail handed to `emit` as it is read, nothing of it kept but what assembly needs;
 * the readers' warnings (trailing garbage after gzip data) go to `warnings`. */
export function scanFilesStreaming(
  paths: readonly string[],
  table: RoutingTable | null,
  emit: (mail: ScannedMail) => void,
  rules?: ScanRules,
  warnings?: Warnings,
): Promise<ScannedSeries[]> {
  return scanStreaming(paths, table, (path) => sourceForPath(path, warnings), emit, rules);
}
