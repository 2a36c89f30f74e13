import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect } from 'vitest';
import { scanFiles as scan, type ScanDocument, type ScannedSeries } from '../../../src/runtime/scan.ts';
import { corporaAvailable, corporaDir } from '../../helpers/corpora.ts';
import { corpusCases } from '../../helpers/corpus-cases.ts';
import { readTsv } from '../../helpers/tsv.ts';

const available = corporaAvailable();
const root = join(corporaDir(), 'patchew');
const rows = available ? readTsv(join(root, 'expected.tsv')) : [];
const scratch = available ? mkdtempSync(join(tmpdir(), 'patchew-corpus-')) : '';

/** Rows that do not pass yet, with the reason. Each fails loudly once fixed. */
const KNOWN: Record<string, string> = {};

async function scanFile(file: string): Promise<ScanDocument> {
  const path = join(root, file);
  if (file.includes('.json')) {
    // patchew's REST form: the message travels as JSON with the raw mail in "mbox".
    const message = JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as { mbox: string };
    const out = join(scratch, file.replace(/\W/g, '_'));
    writeFileSync(out, message.mbox);
    return scan([out], null);
  }
  return scan([path], null);
}

const cells = (cell: string | undefined) =>
  (cell ?? '')
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s && s !== '-');
const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);

/** The newest series of a chain of versions, and every series it replaces. */
function chain(doc: ScanDocument): ScannedSeries[] {
  const newest = [...doc.series].sort((a, b) => b.version - a.version)[0];
  const out: ScannedSeries[] = [];
  for (let s = newest; s; s = doc.series.find((x) => x.id === s?.supersedes)) out.push(s);
  return out;
}

describe.skipIf(!available)('patchew cases (corpora/patchew/expected.tsv)', () => {
  corpusCases(
    'patchew/expected.tsv',
    rows,
    (r) => `${r.file}: ${r.kinds_in_file_order}`,
    async (r) => {
      const doc = await scanFile(r.file as string);
      const kinds = (r.kinds_in_file_order ?? '').startsWith('json')
        ? ['patch']
        : (r.kinds_in_file_order ?? '').split(',');
      expect(doc.mails.map((m) => m.kind)).toEqual(kinds.map((k) => k.replace(/\(.*\)$/, '')));
      const heads = /^\d+/.exec(r.series_heads ?? '')?.[0];
      if (heads === '0') expect(doc.series.filter((s) => s.complete)).toEqual([]);
      else if (heads) expect(doc.series).toHaveLength(Number(heads));
      const versions = cells(r.version).map(Number);
      if (heads && heads !== '0') expect(sorted(doc.series.map((s) => s.version))).toEqual(sorted(versions));
      else if (versions.length === 1 && doc.mails[0]?.kind !== 'reply')
        expect(doc.mails[0]?.version).toBe(versions[0]);
      const parts = cells(r.patches_in_series);
      if (heads && heads !== '0' && parts.length > 0) {
        const received = parts.map((p) => Number(/^\d+/.exec(p)?.[0]));
        expect(sorted(doc.series.map((s) => s.patches.length))).toEqual(sorted(received));
        const totals = parts.map((p) => /of (\d+)/.exec(p)?.[1]).filter((t) => t !== undefined);
        if (totals.length > 0)
          expect(sorted(doc.series.map((s) => s.total))).toEqual(sorted(totals.map(Number)));
      }
      const replies = cells(r.replies).map(Number);
      if (heads && heads !== '0' && replies.length === doc.series.length) {
        expect(sorted(doc.series.map((s) => s.replies.length))).toEqual(sorted(replies));
      } else if (heads && heads !== '0' && replies.length === 1) {
        // One figure for several series: the replies of all of them.
        expect(doc.series.reduce((n, s) => n + s.replies.length, 0)).toBe(replies[0]);
      }
      if (r.is_complete === 'True') expect(doc.series.every((s) => s.complete)).toBe(true);
      if (r.is_complete === 'False') expect(doc.series.some((s) => !s.complete)).toBe(true);

      const asserted = r.asserted_values ?? '';
      const tags = /series message tags == \[([^\]]*)\]/.exec(asserted)?.[1];
      if (tags) {
        const expected = [...tags.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
        expect(Object.values(doc.series[0]?.trailers ?? {}).flat()).toEqual(expected);
      }
      if (/obsoleted_by/.test(asserted)) {
        // Every older version is replaced, directly or through the versions between, by the newest.
        expect(
          chain(doc)
            .map((s) => s.id)
            .sort(),
        ).toEqual(doc.series.map((s) => s.id).sort());
      }
    },
    KNOWN,
  );
});
