import { describe, expect, it } from 'vitest';
import {
  candidateIndex,
  earlierVersion,
  type VersionCandidate,
  type VersionQuery,
} from '../../src/series/versions.ts';

// A small world of series: two senders, shared titles, change-ids and Message-IDs, in an order
// that makes "the first named" and "the newest among equals" matter.
const senders = [
  { address: 'ann@example.org', name: 'Ann', author: null },
  { address: 'bob@example.org', name: 'Bob', author: null },
];
const candidates: VersionCandidate[] = Array.from({ length: 40 }, (_, i) => ({
  id: `s${i}`,
  version: 1 + (i % 4),
  sender: senders[i % 2] as VersionCandidate['sender'],
  title: `title ${i % 5}`,
  changeId: i % 3 === 0 ? `topic-${i % 6}` : null,
  messageIds: [`s${i}`, `s${i}.1`, `s${i}.2`],
}));

function queries(): VersionQuery[] {
  return candidates.map((c, i) => ({
    id: c.id,
    version: c.version + (i % 2),
    sender: c.sender,
    title: c.title,
    changeId: c.changeId,
    named: i % 7 === 0 ? [`s${(i * 3) % 40}.1`, `s${(i + 5) % 40}`] : [],
    pointsAt: i % 4 === 1 ? [`s${(i + 11) % 40}.2`, `s${(i + 2) % 40}`, 'elsewhere@x'] : [],
    resend: i % 9 === 0,
  }));
}

describe('version candidates through the index', () => {
  it('give earlierVersion the same answer and the same refusals as all candidates do', () => {
    const narrow = candidateIndex(candidates);
    const answers = queries().map((q) => {
      const narrowed = narrow(q);
      expect(narrowed.length).toBeLessThan(candidates.length);
      const link = earlierVersion(q, candidates);
      expect(earlierVersion(q, narrowed)).toEqual(link);
      return link;
    });
    // The world exercises every outcome: links found, refused, and none.
    expect(answers.filter((a) => a.supersedes !== null).length).toBeGreaterThan(10);
    expect(answers.filter((a) => a.supersedes === null).length).toBeGreaterThan(3);
    expect(answers.filter((a) => a.refused.length > 0).length).toBeGreaterThan(3);
  });

  it('finds a series named by Supersedes:, answered, of the same topic or the same title', () => {
    const narrow = candidateIndex(candidates);
    const ids = (q: Partial<VersionQuery>) =>
      narrow({
        ...(queries()[0] as VersionQuery),
        title: 'none',
        changeId: null,
        named: [],
        pointsAt: [],
        ...q,
      }).map((c) => c.id);
    expect(ids({ named: ['s12.2'] })).toEqual(['s12']);
    expect(ids({ pointsAt: ['s3', 's1.1'] })).toEqual(['s1', 's3']);
    expect(ids({ changeId: 'topic-3' })).toEqual(['s3', 's9', 's15', 's21', 's27', 's33', 's39']);
    expect(ids({ title: 'title 4' })).toEqual(['s4', 's9', 's14', 's19', 's24', 's29', 's34', 's39']);
  });
});
