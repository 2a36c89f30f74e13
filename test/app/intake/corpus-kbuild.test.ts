import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { scanFiles as scan, type ScanDocument } from '../../../src/runtime/scan.ts';
import { corporaAvailable, corporaDir } from '../../helpers/corpora.ts';

const available = corporaAvailable();

/** A month of the linux-kbuild list (corpora/kbuild/linux-kbuild-2025-03.mbox, 443 mails). The
 * corpus has no ground truth; its README gives regex estimates, which these checks hold the
 * parser to, together with facts any correct assembly must have. */
describe.skipIf(!available)('a month of a real list: linux-kbuild, March 2025', () => {
  let doc: ScanDocument;
  beforeAll(async () => {
    doc = await scan([join(corporaDir(), 'kbuild', 'linux-kbuild-2025-03.mbox')], null);
  });

  it('finds the kinds the corpus README counts: 97 patches, 11 cover letters, 330 replies, 1 pull request', () => {
    const kinds = new Map<string | null, number>();
    for (const m of doc.mails) kinds.set(m.kind, (kinds.get(m.kind) ?? 0) + 1);
    expect(doc.mails).toHaveLength(443);
    expect(kinds.get('patch')).toBe(62 + 35);
    expect(kinds.get('cover')).toBe(11);
    expect(kinds.get('reply')).toBe(330);
    expect(kinds.get('pull')).toBe(1);
    expect(kinds.get(null)).toBeUndefined(); // nothing quarantined
  });

  it('calls every "[PATCH n/N]" subject that is not a reply a patch, or a cover letter for 0/N', () => {
    const numbered = /\[[^\]]*PATCH[^\]]*?\b(\d+)\/(\d+)[^\]]*\]/;
    const wrong = doc.mails.filter((m) => {
      const match = m.subject && !/^\s*(re|fwd?|aw)\s*:/i.test(m.subject) ? numbered.exec(m.subject) : null;
      return match && m.kind !== (match[1] === '0' ? 'cover' : 'patch');
    });
    expect(wrong.map((m) => m.subject)).toEqual([]);
  });

  it('assembles complete series of parts 1..N from one sender and one version, versions up to v9', () => {
    const byId = new Map(doc.mails.map((m) => [m.messageId, m]));
    const complete = doc.series.filter((s) => s.complete);
    expect(complete.length).toBeGreaterThanOrEqual(45);
    for (const s of complete) {
      const parts = s.patches.map((id) => byId.get(id));
      expect(
        parts.map((p) => p?.part ?? 1),
        s.id,
      ).toEqual(Array.from({ length: s.total }, (_, i) => i + 1));
      expect(new Set(parts.map((p) => p?.from)).size, s.id).toBe(1);
      expect(new Set(parts.map((p) => p?.version)), s.id).toEqual(new Set([s.version]));
    }
    expect(Math.max(...doc.series.map((s) => s.version))).toBe(9);
    // Every patch of the month is in exactly one series.
    const inSeries = doc.series.flatMap((s) => [...s.patches, ...s.extras, ...s.replaced]);
    expect(new Set(inSeries).size).toBe(inSeries.length);
    expect(inSeries.length).toBe(doc.mails.filter((m) => m.kind === 'patch').length);
  });

  it('attributes review trailers only to patches of the series the review answers', () => {
    for (const s of doc.series) {
      for (const id of Object.keys(s.trailers)) expect(s.patches, s.id).toContain(id);
    }
    const given = doc.series.reduce((n, s) => n + Object.values(s.trailers).flat().length, 0);
    expect(given).toBeGreaterThan(20);
  });
});
