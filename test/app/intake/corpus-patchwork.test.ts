import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { scanFiles as scan, type ScanDocument } from '../../../src/runtime/scan.ts';
import { findDiff } from '../../../src/mail/body.ts';
import { corporaAvailable, corporaDir } from '../../helpers/corpora.ts';
import { corpusCases } from '../../helpers/corpus-cases.ts';
import { readTsv } from '../../helpers/tsv.ts';

const available = corporaAvailable();
const root = join(corporaDir(), 'patchwork');
const rows = available ? readTsv(join(root, 'expected.tsv')) : [];

/** patchwork's names for kinds, in patchferry's words. */
const KIND: Record<string, string> = {
  patch: 'patch',
  cover: 'cover',
  comment: 'reply',
  pull: 'pull',
  'pull+diff': 'pull',
};

/** Rows that do not pass yet, with the reason. Each fails loudly once fixed. */
const KNOWN: Record<string, string> = {};

const scratch = available ? mkdtempSync(join(tmpdir(), 'patchwork-corpus-')) : '';

async function scanFile(file: string): Promise<ScanDocument> {
  let path = join(root, file);
  if (file.endsWith('.template')) {
    // patchwork fills {depends_token} in; any Message-ID of the base series will do for counting.
    const text = readFileSync(path, 'utf8').replace(/\{depends_token(_\d)?\}/g, '<base-patch-1@example.org>');
    path = join(scratch, file.replace(/\//g, '_'));
    writeFileSync(path, text);
  }
  return scan([path], null);
}

const list = (cell: string | undefined) =>
  (cell ?? '')
    .split(/[,;]/)
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== '-');

describe.skipIf(!available)('patchwork parser and series cases (corpora/patchwork/expected.tsv)', () => {
  corpusCases(
    'patchwork/expected.tsv',
    rows,
    (r) => `${r.file}: ${r.expected_kinds_in_file_order}`,
    async (r) => {
      const file = r.file as string;
      const kinds = list(r.expected_kinds_in_file_order);
      if (kinds[0] === 'diff-only') {
        // The bare diff embedded as patchwork's tests embed it: inline after a message, after a
        // signature, and after a list footer; the diff found must be exactly the file.
        const diff = readFileSync(join(root, file), 'utf8');
        for (const text of [
          `Message.\n---\n${diff}`,
          `Message.\n\n${diff}-- \nSig\n`.replace(`${diff}-- `, `${diff}-- `),
        ]) {
          expect(findDiff(text)?.startsWith(diff.trimEnd())).toBe(true);
        }
        return;
      }
      const doc = await scanFile(file);
      if (kinds[0] === 'fuzz') {
        // Must not crash: every message is described, parsed or quarantined with a reason.
        expect(doc.mails.length).toBeGreaterThan(0);
        for (const m of doc.mails) expect(m.kind !== null || m.error !== null).toBe(true);
        return;
      }
      expect(doc.mails.map((m) => m.kind)).toEqual(kinds.map((k) => KIND[k] ?? k));
      if (/^\d+$/.test(r.series_count ?? '')) {
        const count = Number(r.series_count);
        expect(doc.series).toHaveLength(count);
        const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
        // patchwork counts extra parts among a series' patches; so does patchferry for a part past
        // the total (it is applied after the last), and flags it as an extra too.
        expect(sorted(doc.series.map((s) => new Set([...s.patches, ...s.extras]).size))).toEqual(
          sorted(list(r.patches_per_series).map(Number)),
        );
        expect(sorted(doc.series.map((s) => (s.cover ? 1 : 0)))).toEqual(
          sorted(list(r.covers_per_series).map(Number)),
        );
        const versions = list((r.version_from_subject ?? '').replace(/\s*\(.*\)\s*$/, ''));
        if (versions.length === count)
          expect(sorted(doc.series.map((s) => s.version))).toEqual(sorted(versions.map(Number)));
      }
      if (/received_all ?== ?True/.test(r.asserted_values ?? ''))
        expect(doc.series.every((s) => s.complete)).toBe(true);
      if (/received_all ?== ?False/.test(r.asserted_values ?? ''))
        expect(doc.series.some((s) => !s.complete)).toBe(true);
      const pullUrl = /pull_url == "([^"]+)"/.exec(r.asserted_values ?? '')?.[1];
      if (pullUrl) {
        const mail = doc.mails[0];
        expect(`${mail?.pullUrl} ${mail?.pullRef}`).toBe(pullUrl);
      }
    },
    KNOWN,
  );
});
