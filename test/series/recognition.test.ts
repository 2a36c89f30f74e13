import { describe, expect, it } from 'vitest';
import { findTrailers } from '../../src/mail/body.ts';
import type { Mail } from '../../src/mail/mail.ts';
import { patchId } from '../../src/mail/patch-id.ts';
import { parseSubject } from '../../src/mail/subject.ts';
import { assembleSeries } from '../../src/series/assemble.ts';
import { senderLinks } from '../../src/series/sender.ts';
import { orderedPatches } from '../../src/series/series.ts';

interface Opts {
  from?: string;
  name?: string;
  author?: string;
  inReplyTo?: string;
  refs?: string[];
  text?: string;
  change?: string;
  kind?: Mail['kind'];
}

/** A parsed mail as assembly sees it; a patch's diff is its `change` (default: its title). */
function mail(id: string, subject: string, o: Opts = {}): Mail {
  const tag = parseSubject(subject);
  const kind = o.kind ?? (tag.reply ? 'reply' : tag.part === 0 ? 'cover' : 'patch');
  const diff = kind === 'patch' ? `diff --git a/x b/x\n@@ -1 +1 @@\n-a\n+${o.change ?? tag.title}\n` : null;
  return {
    messageId: id,
    inReplyTo: o.inReplyTo ?? null,
    references: o.refs ?? (o.inReplyTo ? [o.inReplyTo] : []),
    from: { name: o.name ?? '', address: o.from ?? 'ann@x' },
    author: o.author ?? null,
    subject,
    listId: null,
    recipients: '',
    date: null,
    tag,
    kind,
    text: o.text ?? '',
    diff,
    patchId: diff && patchId(diff),
    trailers: findTrailers(o.text ?? ''),
    pull: null,
    supersedes: /^Supersedes: <(\S+)>$/m.exec(o.text ?? '')?.slice(1) ?? [],
    changeId: /^change-id: (\S+)$/m.exec(o.text ?? '')?.[1] ?? null,
  };
}

/** A reply to patch 'p' ('[PATCH] a') from `from`, its From: name `name` ('' for none). */
const answer = (id: string, from: string, name: string, text: string) =>
  mail(id, 'Re: [PATCH] a', { from, name, inReplyTo: 'p', text });

const trailersOf = (s: ReturnType<typeof assembleSeries>[number] | undefined, id: string) =>
  s?.trailers.get(id)?.map((t) => `${t.key}: ${t.value}`);

describe('follow-ups and trailers', () => {
  it("takes a review trailer signed with another address when the name is the reviewer's; Fixes: from anyone", () => {
    const [s] = assembleSeries([
      mail('p', '[PATCH] a'),
      answer(
        'r1',
        'rita@work.example',
        'Rita Reviewer',
        'Reviewed-by: rita reviewer <rita@home.example>\nAcked-by: Somebody Else <else@x>\n',
      ),
      answer(
        'r2',
        'tom@x',
        '',
        'Fixes: 0123456789ab ("old")\nLink: https://bugs.example/1\nTested-by: Uma <uma@x>\n',
      ),
    ]);
    expect(trailersOf(s, 'p')).toEqual([
      'Reviewed-by: rita reviewer <rita@home.example>',
      'Fixes: 0123456789ab ("old")',
      'Link: https://bugs.example/1',
    ]);
  });

  it('matches a quoted or "Last, First" From: name, and takes the sender’s person trailers but Signed-off-by and Nacked-by', () => {
    const [s] = assembleSeries([
      mail('p', '[PATCH] a'),
      answer(
        'r1',
        'rita@work.example',
        'Rita Reviewer',
        'Reviewed-by: "Rita Reviewer" <rita@home.example>\n',
      ),
      answer(
        'r2',
        'max@work.example',
        'Mustermann, Max',
        'Co-developed-by: Max Mustermann <max@home.example>\nNacked-by: Max Mustermann <max@home.example>\nSigned-off-by: Max Mustermann <max@home.example>\nTested-by: Uma <uma@x>\n',
      ),
    ]);
    expect(trailersOf(s, 'p')).toEqual([
      'Reviewed-by: "Rita Reviewer" <rita@home.example>',
      'Co-developed-by: Max Mustermann <max@home.example>',
    ]);
  });

  it('leaves out a trailer the patch’s own message holds already (git would add it twice)', () => {
    const [s] = assembleSeries([
      mail('p', '[PATCH] a', { text: 'Why.\n\nFixes: 0123456789ab ("old")\nSigned-off-by: Ann <ann@x>\n' }),
      answer('r', 'tom@x', '', 'fixes: 0123456789ab ("old")\nLink: https://bugs.example/1\n'),
    ]);
    expect(trailersOf(s, 'p')).toEqual(['Link: https://bugs.example/1']);
  });

  it('carries a review over to the next version of an unchanged patch, not of a changed one', () => {
    const series = assembleSeries([
      mail('c1', '[PATCH 0/2] x'),
      mail('a1', '[PATCH 1/2] a', { inReplyTo: 'c1' }),
      mail('b1', '[PATCH 2/2] b', { inReplyTo: 'c1' }),
      mail('ra', 'Re: [PATCH 1/2] a', { from: 'rita@x', inReplyTo: 'a1', text: 'Reviewed-by: R <rita@x>\n' }),
      mail('rb', 'Re: [PATCH 2/2] b', { from: 'rita@x', inReplyTo: 'b1', text: 'Reviewed-by: R <rita@x>\n' }),
      mail('rc', 'Re: [PATCH 0/2] x', { from: 'tom@x', inReplyTo: 'c1', text: 'Tested-by: T <tom@x>\n' }),
      mail('c2', '[PATCH v2 0/2] x'),
      mail('a2', '[PATCH v2 1/2] a', { inReplyTo: 'c2' }),
      mail('b2', '[PATCH v2 2/2] b', { inReplyTo: 'c2', change: 'b, reworked' }),
    ]);
    const v2 = series.find((s) => s.id === 'c2');
    expect(v2?.supersedes).toBe('c1');
    expect(trailersOf(v2, 'a2')).toEqual(['Reviewed-by: R <rita@x>', 'Tested-by: T <tom@x>']);
    expect(trailersOf(v2, 'b2')).toEqual([]);
  });
});

describe('series', () => {
  it('puts an extra part answering the series after the last part, and says it was an extra', () => {
    const [s, ...rest] = assembleSeries([
      mail('c', '[PATCH 0/2] x'),
      mail('p1', '[PATCH 1/2] a', { inReplyTo: 'c' }),
      mail('p2', '[PATCH 2/2] b', { inReplyTo: 'c' }),
      mail('p3', '[PATCH 3/2] c', { inReplyTo: 'c' }),
    ]);
    expect(rest).toEqual([]);
    expect(s?.complete).toBe(true);
    expect(orderedPatches(s!).map((p) => p.messageId)).toEqual(['p1', 'p2', 'p3']);
    expect(s?.extras.map((p) => p.messageId)).toEqual(['p3']);
  });

  it('takes an untagged thread root answered by its own author’s parts for their cover letter', () => {
    const [s, ...rest] = assembleSeries([
      mail('root', 'hello: a few fixes', { kind: 'other' }),
      mail('p1', '[PATCH v2 1/2] a', { inReplyTo: 'root' }),
      mail('p2', '[PATCH v2 2/2] b', { inReplyTo: 'root' }),
      mail('r', 'Re: hello: a few fixes', {
        from: 'rita@x',
        inReplyTo: 'root',
        text: 'Acked-by: R <rita@x>\n',
      }),
    ]);
    expect(rest).toEqual([]);
    expect(s).toMatchObject({ id: 'root', title: 'hello: a few fixes', version: 2, complete: true });
    expect(trailersOf(s, 'p2')).toEqual(['Acked-by: R <rita@x>']);
    const [other] = assembleSeries([
      mail('root', 'a question', { kind: 'other', from: 'bob@x' }),
      mail('p1', '[PATCH 1/1] a', { inReplyTo: 'root' }),
    ]);
    expect(other?.cover).toBeNull();
  });

  it('makes a numbered pull request the cover letter of its patches', () => {
    const cover = { ...mail('pull', '[PULL 0/2] queue'), pull: { url: 'git@h:r.git', ref: 'tags/q' } };
    const [s] = assembleSeries([
      cover,
      mail('p1', '[PULL 1/2] a', { inReplyTo: 'pull' }),
      mail('p2', '[PULL 2/2] b', { inReplyTo: 'pull' }),
    ]);
    expect(s).toMatchObject({ id: 'pull', complete: true, pull: { url: 'git@h:r.git', ref: 'tags/q' } });
  });

  it('compares sender addresses without case, and keeps them as written', () => {
    const [s] = assembleSeries([
      mail('c', '[PATCH 0/2] x', { from: 'Ann@Example.org' }),
      mail('p1', '[PATCH 1/2] a', { inReplyTo: 'c', from: 'ann@example.org' }),
      mail('p2', '[PATCH 2/2] b', { inReplyTo: 'c', from: 'ANN@example.org' }),
    ]);
    expect(s).toMatchObject({ complete: true, sender: { address: 'Ann@Example.org' } });
  });
});

describe('versions: only the same sender may replace a series', () => {
  it("refuses a Supersedes:, change-id or reply chain pointing at another person's series", () => {
    const series = assembleSeries([
      mail('a1', '[PATCH] fix it', { text: 'change-id: 20260101-x-0123456789\n' }),
      mail('b2', '[PATCH v2] fix it', {
        from: 'mallory@x',
        inReplyTo: 'a1',
        text: 'Supersedes: <a1>\nchange-id: 20260101-x-0123456789\n',
      }),
    ]);
    expect(series.find((s) => s.id === 'b2')).toMatchObject({
      supersedes: null,
      refused: [{ series: 'a1', via: 'supersedes', sender: 'ann@x' }],
    });
  });

  it('links by the reply chain first, telling apart people who share a bridge address by their in-body From', () => {
    const ggg = { from: 'gitgitgadget@x' };
    const series = assembleSeries([
      mail('ann1', '[PATCH] doc: fix', { ...ggg, name: 'Ann via GitGitGadget', author: 'ann@x' }),
      mail('bob1', '[PATCH] doc: fix', { ...ggg, name: 'Bob via GitGitGadget', author: 'bob@x' }),
      mail('bob2', '[PATCH v2] doc: fix', {
        ...ggg,
        name: 'Bob via GitGitGadget',
        author: 'bob@x',
        inReplyTo: 'bob1',
      }),
      mail('ann2', '[PATCH v2] doc: fix', { ...ggg, name: 'Ann via GitGitGadget', author: 'ann@x' }),
      mail('eve2', '[PATCH v2] doc: fix', {
        ...ggg,
        name: 'Eve via GitGitGadget',
        author: 'eve@x',
        inReplyTo: 'ann1',
      }),
    ]);
    const of = (id: string) => series.find((s) => s.id === id);
    expect(of('bob2')?.supersedes).toBe('bob1');
    // No chain: sender and title, never across in-body authors.
    expect(of('ann2')?.supersedes).toBe('ann1');
    expect(of('eve2')).toMatchObject({ supersedes: null, refused: [{ series: 'ann1', via: 'reply' }] });
  });

  it('links a v3 sent under v1’s cover letter, as v2 was, to v2', () => {
    const series = assembleSeries([
      mail('c1', '[PATCH 0/1] greet'),
      mail('p1', '[PATCH 1/1] greet', { inReplyTo: 'c1', change: 'one' }),
      mail('c2', '[PATCH v2 0/1] greet', { inReplyTo: 'c1' }),
      mail('p2', '[PATCH v2 1/1] greet', { inReplyTo: 'c2', refs: ['c1', 'c2'], change: 'two' }),
      mail('c3', '[PATCH v3 0/1] greet', { inReplyTo: 'c1' }),
      mail('p3', '[PATCH v3 1/1] greet', { inReplyTo: 'c3', refs: ['c1', 'c3'], change: 'three' }),
      // Someone else's v4 in the same thread replaces nobody's.
      mail('c4', '[PATCH v4 0/1] greet', { inReplyTo: 'c1', from: 'eve@x' }),
      mail('p4', '[PATCH v4 1/1] greet', { inReplyTo: 'c4', from: 'eve@x', change: 'four' }),
    ]);
    expect(series.map((s) => [s.id, s.supersedes])).toEqual([
      ['c1', null],
      ['c2', 'c1'],
      ['c3', 'c2'],
      ['c4', null],
    ]);
  });

  it('lets addresses the configuration links replace each other’s series', () => {
    const mails = [
      mail('v1', '[PATCH] fix it', { from: 'ann@home.x' }),
      mail('v2', '[PATCH v2] fix it', { from: 'ann@work.x' }),
    ];
    expect(assembleSeries(mails).find((s) => s.id === 'v2')?.supersedes).toBeNull();
    const links = senderLinks([['ann@home.x', 'Ann@Work.x']]);
    expect(assembleSeries(mails, { links }).find((s) => s.id === 'v2')?.supersedes).toBe('v1');
  });
});
