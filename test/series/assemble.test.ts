import { describe, expect, it } from 'vitest';
import type { Mail, MailKind } from '../../src/mail/mail.ts';
import { findTrailers } from '../../src/mail/body.ts';
import { patchId } from '../../src/mail/patch-id.ts';
import { parseSubject } from '../../src/mail/subject.ts';
import { assembleSeries } from '../../src/series/assemble.ts';
import { orderedPatches } from '../../src/series/series.ts';

function mail(
  id: string,
  subject: string,
  opts: {
    from?: string;
    name?: string;
    inReplyTo?: string;
    refs?: string[];
    text?: string;
    kind?: MailKind;
    date?: string;
  } = {},
): Mail {
  const tag = parseSubject(subject);
  const kind = opts.kind ?? (tag.reply ? 'reply' : tag.part === 0 ? 'cover' : 'patch');
  return {
    messageId: id,
    inReplyTo: opts.inReplyTo ?? null,
    references: opts.refs ?? (opts.inReplyTo ? [opts.inReplyTo] : []),
    from: { name: opts.name ?? '', address: opts.from ?? 'ada@x' },
    subject,
    listId: null,
    recipients: '',
    date: opts.date ? new Date(opts.date) : null,
    tag,
    kind,
    text: opts.text ?? '',
    diff: kind === 'patch' ? diffOf(tag.title) : null,
    patchId: kind === 'patch' ? patchId(diffOf(tag.title)) : null,
    author: null,
    trailers: findTrailers(opts.text ?? ''),
    pull: null,
    supersedes: [],
    changeId: /^change-id: (\S+)$/m.exec(opts.text ?? '')?.[1] ?? null,
  };
}

/** A patch's diff, the same for the same title: patches of one title are one change. */
function diffOf(title: string): string {
  return `diff --git a/x b/x\n@@ -1 +1 @@\n-old\n+${title}\n`;
}

describe('series assembly', () => {
  it('groups a cover letter and its threaded patches, in part order, whatever the arrival order', () => {
    const mails = [
      mail('p2', '[PATCH 2/2] b', { inReplyTo: 'c' }),
      mail('p1', '[PATCH 1/2] a', { inReplyTo: 'c' }),
      mail('c', '[PATCH 0/2] cover'),
    ];
    const [s, ...rest] = assembleSeries(mails);
    expect(rest).toEqual([]);
    expect(s).toMatchObject({ id: 'c', total: 2, complete: true, title: 'cover' });
    expect(orderedPatches(s!).map((m) => m.messageId)).toEqual(['p1', 'p2']);
  });

  it('follows deep threading (each patch replying to the previous)', () => {
    const mails = [
      mail('p1', '[PATCH 1/3] a'),
      mail('p2', '[PATCH 2/3] b', { inReplyTo: 'p1' }),
      mail('p3', '[PATCH 3/3] c', { inReplyTo: 'p2', refs: ['p1', 'p2'] }),
    ];
    const series = assembleSeries(mails);
    expect(series).toHaveLength(1);
    expect(series[0]).toMatchObject({ id: 'p1', complete: true });
  });

  it('treats a lone patch as a complete series of one', () => {
    expect(assembleSeries([mail('p', '[master PATCH qemu] fix')])[0]).toMatchObject({
      id: 'p',
      total: 1,
      complete: true,
    });
  });

  it('keeps a series with a missing part incomplete', () => {
    const [s] = assembleSeries([
      mail('c', '[PATCH 0/3] cover'),
      mail('p1', '[PATCH 1/3] a', { inReplyTo: 'c' }),
      mail('p3', '[PATCH 3/3] c', { inReplyTo: 'c' }),
    ]);
    expect(s).toMatchObject({ complete: false });
    expect([...s!.patches.keys()]).toEqual([1, 3]);
  });

  it('joins unthreaded parts to the first part from the same sender, version and total', () => {
    const series = assembleSeries([
      mail('p1', '[PATCH v2 1/2] a'),
      mail('x', '[PATCH v2 1/2] other', { from: 'bob@x' }),
      mail('p2', '[PATCH v2 2/2] b'),
    ]);
    expect(series.find((s) => s.id === 'p1')).toMatchObject({ complete: true });
  });

  it("joins an unthreaded part to its own sender's latest open series, whatever others sent between", () => {
    const series = assembleSeries([
      mail('a1', '[PATCH 1/2] a', { from: 'Ada@X' }),
      mail('b1', '[PATCH 1/2] b', { from: 'bob@x' }),
      mail('c1', '[PATCH 1/2] c', { from: 'cy@x' }),
      mail('b2', '[PATCH 2/2] b', { from: 'bob@x' }),
      mail('a2', '[PATCH 2/2] a', { from: 'ada@x' }),
    ]);
    expect(series.map((s) => [s.id, orderedPatches(s).map((p) => p.messageId)])).toEqual([
      ['a1', ['a1', 'a2']],
      ['b1', ['b1', 'b2']],
      ['c1', ['c1']],
    ]);
  });

  it('starts a new series when a part number is already taken in the thread (patchwork)', () => {
    const series = assembleSeries([
      mail('c', '[PATCH 0/2] cover'),
      mail('p1', '[PATCH 1/2] a', { inReplyTo: 'c' }),
      mail('p2', '[PATCH 2/2] b', { inReplyTo: 'c' }),
      mail('q1', '[PATCH 1/2] x', { inReplyTo: 'c' }),
      mail('q2', '[PATCH 2/2] y', { inReplyTo: 'q1', refs: ['c', 'q1'] }),
    ]);
    expect(series.map((s) => [s.id, s.complete, orderedPatches(s).map((p) => p.messageId)])).toEqual([
      ['c', true, ['p1', 'p2']],
      ['q1', true, ['q1', 'q2']],
    ]);
    expect(series.flatMap((s) => s.extras)).toEqual([]);
  });

  it('keeps a second series whose parts all answer the first one’s cover letter together, replacing nothing', () => {
    const series = assembleSeries([
      mail('c', '[PATCH 0/2] cover'),
      mail('p1', '[PATCH 1/2] a', { inReplyTo: 'c' }),
      mail('p2', '[PATCH 2/2] b', { inReplyTo: 'c' }),
      mail('q1', '[PATCH 1/2] x', { inReplyTo: 'c' }),
      mail('q2', '[PATCH 2/2] y', { inReplyTo: 'c' }),
    ]);
    expect(
      series.map((s) => [s.id, s.complete, orderedPatches(s).map((p) => p.messageId), s.supersedes]),
    ).toEqual([
      ['c', true, ['p1', 'p2'], null],
      ['q1', true, ['q1', 'q2'], null],
    ]);
    expect(series.flatMap((s) => [...s.extras, ...s.replaced])).toEqual([]);
  });

  it('takes a cover letter’s subject sent back in answer to it for a reply, not a new series; a RESEND stays a cover', () => {
    const series = assembleSeries([
      mail('c', '[PATCH 0/2] cover'),
      mail('p1', '[PATCH 1/2] a', { inReplyTo: 'c' }),
      mail('p2', '[PATCH 2/2] b', { inReplyTo: 'c' }),
      mail('r1', '[PATCH 0/2] cover', { inReplyTo: 'c', from: 'rita@x' }),
      mail('r2', '[PATCH 0/2] cover', { inReplyTo: 'r1', refs: ['c', 'r1'], from: 'ada@x' }),
      mail('again', '[RESEND PATCH 0/2] cover', { inReplyTo: 'c' }),
    ]);
    expect(series.map((s) => s.id)).toEqual(['c', 'again']);
    expect(series[0]?.replies.map((r) => r.messageId)).toEqual(['r1', 'r2']);
  });

  it('treats a first part threaded under another patch as a resend, not a duplicate', () => {
    const series = assembleSeries([
      mail('p1', '[PATCH 1/1] a'),
      mail('p1b', '[PATCH 1/1] a', { inReplyTo: 'p1' }),
    ]);
    expect(series.map((s) => s.id)).toEqual(['p1', 'p1b']);
  });

  it('gives unlabeled parts the version of their cover letter', () => {
    const [s, ...rest] = assembleSeries([
      mail('c', '[PATCH v3 0/1] x'),
      mail('p1', '[PATCH 1/1] a', { inReplyTo: 'c' }),
    ]);
    expect(rest).toEqual([]);
    expect(s).toMatchObject({ version: 3, complete: true });
  });

  it('collects review trailers from replies for the patch they answer, only from their sender', () => {
    const mails = [
      mail('c', '[PATCH 0/2] cover'),
      mail('p1', '[PATCH 1/2] a', { inReplyTo: 'c' }),
      mail('p2', '[PATCH 2/2] b', { inReplyTo: 'c' }),
      mail('r1', 'Re: [PATCH 2/2] b', {
        from: 'rita@x',
        inReplyTo: 'p2',
        refs: ['c', 'p2'],
        text: 'Reviewed-by: Rita <rita@x>\nReviewed-by: Someone Else <else@x>\n> Acked-by: Quoted <rita@x>\n',
      }),
      mail('r2', 'Re: [PATCH 0/2] cover', {
        from: 'tom@x',
        inReplyTo: 'c',
        text: 'Series:\nTested-by: Tom <tom@x>\n',
      }),
    ];
    const [s] = assembleSeries(mails);
    const values = (id: string) => s!.trailers.get(id)?.map((t) => `${t.key}: ${t.value}`);
    expect(values('p1')).toEqual(['Tested-by: Tom <tom@x>']);
    expect(values('p2')).toEqual(['Reviewed-by: Rita <rita@x>', 'Tested-by: Tom <tom@x>']);
    expect(s!.replies.map((r) => r.messageId)).toEqual(['r1', 'r2']);
  });

  it('links a new version to the one it supersedes', () => {
    const series = assembleSeries([mail('v1', '[PATCH] fix it'), mail('v2', '[PATCH v2] fix it')]);
    expect(series.find((s) => s.id === 'v2')?.supersedes).toBe('v1');
    expect(series.find((s) => s.id === 'v1')?.supersedes).toBeNull();
  });

  it('keeps a v2 threaded under v1 as its own series', () => {
    const series = assembleSeries([
      mail('c1', '[PATCH 0/1] x'),
      mail('a1', '[PATCH 1/1] a', { inReplyTo: 'c1' }),
      mail('c2', '[PATCH v2 0/1] x', { inReplyTo: 'c1' }),
      mail('a2', '[PATCH v2 1/1] a', { inReplyTo: 'c2', refs: ['c1', 'c2'] }),
    ]);
    expect(series.map((s) => [s.id, s.version, s.complete])).toEqual([
      ['c1', 1, true],
      ['c2', 2, true],
    ]);
  });

  it('puts a replacement part sent in reply to the part it replaces in its place (v5.1 10/12)', () => {
    const mails = [
      mail('c', '[PATCH v5 0/2] x'),
      mail('p1', '[PATCH v5 1/2] a', { inReplyTo: 'c' }),
      mail('p2', '[PATCH v5 2/2] b', { inReplyTo: 'c' }),
      mail('p2b', '[PATCH v5.1 2/2] b, fixed', { inReplyTo: 'p2', refs: ['c', 'p2'] }),
    ];
    const [s, ...rest] = assembleSeries(mails);
    expect(rest).toEqual([]);
    expect(orderedPatches(s!).map((p) => p.messageId)).toEqual(['p1', 'p2b']);
    expect(s!.replaced.map((m) => m.messageId)).toEqual(['p2']);
    expect(s!.extras).toEqual([]);
    expect(s!.complete).toBe(true);
  });

  it('makes a lone v3 2/2 answering v2 into v3: v2 with that part replaced, its own trailers only', () => {
    const mails = [
      mail('c2', '[PATCH v2 0/2] x', { date: '2026-01-01T10:00:00Z' }),
      mail('a2', '[PATCH v2 1/2] a', { inReplyTo: 'c2', date: '2026-01-01T10:00:00Z' }),
      mail('b2', '[PATCH v2 2/2] b', { inReplyTo: 'c2', date: '2026-01-01T10:00:00Z' }),
      mail('ra', 'Re: [PATCH v2 1/2] a', {
        from: 'rita@x',
        inReplyTo: 'a2',
        text: 'Reviewed-by: Rita <rita@x>\n',
        date: '2026-01-02T10:00:00Z',
      }),
      mail('rb', 'Re: [PATCH v2 2/2] b', {
        from: 'rita@x',
        inReplyTo: 'b2',
        text: 'Acked-by: Rita <rita@x>\n',
        date: '2026-01-02T10:00:00Z',
      }),
      mail('rc', 'Re: [PATCH v2 0/2] x', {
        from: 'tom@x',
        inReplyTo: 'c2',
        text: 'Tested-by: Tom <tom@x>\n',
        date: '2026-01-02T11:00:00Z',
      }),
      mail('b3', '[PATCH v3 2/2] b, reworked', {
        inReplyTo: 'b2',
        refs: ['c2', 'b2'],
        date: '2026-01-03T10:00:00Z',
      }),
    ];
    const series = assembleSeries(mails);
    const v3 = series.find((s) => s.version === 3);
    expect(v3).toMatchObject({ id: 'b3', title: 'x', total: 2, complete: true, supersedes: 'c2' });
    expect(orderedPatches(v3!).map((p) => p.messageId)).toEqual(['a2', 'b3']);
    expect(v3!.replaced.map((m) => m.messageId)).toEqual(['b2']);
    const values = (id: string) => v3!.trailers.get(id)?.map((t) => `${t.key}: ${t.value}`);
    expect(values('a2')).toEqual(['Reviewed-by: Rita <rita@x>', 'Tested-by: Tom <tom@x>']);
    expect(values('b3')).toEqual(['Tested-by: Tom <tom@x>']);
  });

  it("gives a replacement part the cover letter's trailers, given before it was sent or after", () => {
    const mails = [
      mail('c', '[PATCH 0/2] x', { date: '2026-01-01T10:00:00Z' }),
      mail('p1', '[PATCH 1/2] a', { inReplyTo: 'c', date: '2026-01-01T10:00:00Z' }),
      mail('p2', '[PATCH 2/2] b', { inReplyTo: 'c', date: '2026-01-01T10:00:00Z' }),
      mail('r1', 'Re: [PATCH 0/2] x', {
        from: 'tom@x',
        inReplyTo: 'c',
        text: 'Tested-by: Tom <tom@x>\n',
        date: '2026-01-02T10:00:00Z',
      }),
      mail('p2b', '[PATCH 2/2] b, fixed', {
        inReplyTo: 'p2',
        refs: ['c', 'p2'],
        date: '2026-01-03T10:00:00Z',
      }),
      mail('r2', 'Re: [PATCH 0/2] x', {
        from: 'uma@x',
        inReplyTo: 'c',
        text: 'Acked-by: Uma <uma@x>\n',
        date: '2026-01-04T10:00:00Z',
      }),
    ];
    const [s] = assembleSeries(mails);
    const values = (id: string) => s!.trailers.get(id)?.map((t) => `${t.key}: ${t.value}`);
    expect(values('p1')).toEqual(['Tested-by: Tom <tom@x>', 'Acked-by: Uma <uma@x>']);
    expect(values('p2b')).toEqual(['Tested-by: Tom <tom@x>', 'Acked-by: Uma <uma@x>']);
  });

  it('links versions by their change-id even when the title changed', () => {
    const series = assembleSeries([
      mail('c1', '[PATCH 0/1] x: first try', { text: 'Cover.\n\n---\nchange-id: 20260101-topic-0123abcd\n' }),
      mail('a1', '[PATCH 1/1] a', { inReplyTo: 'c1' }),
      mail('c2', '[PATCH v2 0/1] x: better words', {
        from: 'Ada@X',
        text: 'Cover.\n\n---\nchange-id: 20260101-topic-0123abcd\n',
      }),
      mail('a2', '[PATCH v2 1/1] a', { inReplyTo: 'c2', from: 'Ada@X' }),
    ]);
    expect(series.find((s) => s.id === 'c2')).toMatchObject({
      changeId: '20260101-topic-0123abcd',
      supersedes: 'c1',
    });
  });
});
