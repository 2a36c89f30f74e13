import { describe, expect, it } from 'vitest';
import { givenTrailers, sameReviewer } from '../../src/series/trailers.ts';
import type { SeriesMail } from '../../src/series/series.ts';

/** A reply from `from` giving one trailer `key: value`. */
function reply(from: { name: string; address: string }, key: string, value: string): SeriesMail {
  const address = /<([^>]+)>/.exec(value)?.[1] ?? null;
  return { from, trailers: [{ key, value, address }] } as unknown as SeriesMail;
}

describe('whose trailers a reply gives', () => {
  it('takes a review signed with another form of the sender’s address, as b4 compares them', () => {
    const rita = { name: 'R. Reviewer', address: 'rita@lab.example.org' };
    expect(givenTrailers(reply(rita, 'Reviewed-by', 'Rita Reviewer <rita@example.org>'))).toHaveLength(1);
    const plus = { name: 'R.', address: 'rita+kernel@example.org' };
    expect(givenTrailers(reply(plus, 'Acked-by', 'Rita Reviewer <rita@example.org>'))).toHaveLength(1);
  });

  it('does not take a review for someone else on a near address', () => {
    const other = { name: 'Rob', address: 'rob@lab.example.org' };
    expect(givenTrailers(reply(other, 'Reviewed-by', 'Rita Reviewer <rita@example.org>'))).toEqual([]);
    expect(sameReviewer('rita@a.b.example.org', 'rita@example.org')).toBe(false);
    expect(sameReviewer('rita@example.org', 'rita@example.com')).toBe(false);
    expect(sameReviewer('rita@notexample.org', 'rita@example.org')).toBe(false);
    expect(sameReviewer('rita@example.org', 'rita@org')).toBe(false);
    expect(sameReviewer('Rita@Example.org', 'rita@example.org')).toBe(true);
  });
});
