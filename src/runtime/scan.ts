import { scan, type ScanDocument, type ScannedSeries } from '../app/intake/scan.ts';
import { sourceForPath } from '../ingest/open-path.ts';
import type { RoutingTable } from '../series/route.ts';

export type { ScanDocument, ScannedSeries };

/** `patchferry scan`: mailbox files described, nothing recorded. A module of its own, so that scan
 * loads neither the database nor any forge or IMAP client. */
export function scanFiles(paths: readonly string[], table: RoutingTable | null): Promise<ScanDocument> {
  return scan(paths, table, sourceForPath);
}
