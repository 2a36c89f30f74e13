import { join } from 'node:path';
import { describe, expect } from 'vitest';
import {
  cleanSubject,
  isReplySubject,
  seriesMarker,
  splitPrefixes,
  versionOf,
} from '../../src/mail/subject.ts';
import { corporaAvailable, corporaDir } from '../helpers/corpora.ts';
import { corpusCases } from '../helpers/corpus-cases.ts';
import { readTsv } from '../helpers/tsv.ts';

const available = corporaAvailable();

/** Each of patchwork's subject functions, answered by patchferry's grammar in patchwork's shape. */
const FUNCTIONS: Record<string, (...args: never[]) => unknown> = {
  clean_subject: (subject: string, drop: string[] = []) => {
    const { name, prefixes } = cleanSubject(subject, drop);
    return [name, prefixes];
  },
  parse_series_marker: (prefixes: string[]) => seriesMarker(prefixes),
  parse_version: (subject: string, prefixes: string[]) => versionOf(subject, prefixes),
  split_prefixes: (s: string) => splitPrefixes(s),
  subject_check: (s: string) => (isReplySubject(s) ? 'not None' : null),
};

describe.skipIf(!available)('patchwork subject vectors (corpora/patchwork/subject-cases.tsv)', () => {
  const rows = available ? readTsv(join(corporaDir(), 'patchwork', 'subject-cases.tsv')) : [];
  corpusCases(
    'patchwork/subject-cases.tsv',
    rows,
    (r) => `${r.function}(${r.input_json})`,
    (r) => {
      const fn = FUNCTIONS[r.function as string];
      if (!fn) throw new Error(`no counterpart for ${r.function}`);
      const args = JSON.parse(r.input_json as string) as never[];
      expect(fn(...args)).toEqual(JSON.parse(r.expected_json as string));
    },
  );
});
