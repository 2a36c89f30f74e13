import { describe, expect, it } from 'vitest';
import type { Limits } from '../../../src/config/limits.ts';
import { intake } from '../../../src/app/intake/intake.ts';
import type { Deps } from '../../../src/app/deps.ts';
import type { MailRecords } from '../../../src/ports/store.ts';
import { fakeDeps } from '../../fakes/deps.ts';
import { patchMail } from '../../fakes/source.ts';
import { queuedMail } from '../../helpers/outbox.ts';

/** Deps whose limits are `limits` over the defaults. */
function limited(limits: Partial<Limits> = {}) {
  const fake = fakeDeps();
  const deps: Deps = {
    ...fake.deps,
    config: { ...fake.deps.config, limits: { ...fake.deps.config.limits, ...limits } },
  };
  return { ...fake, deps };
}

const part = (sender: string, series: string, i: number, total: number) =>
  patchMail({
    id: `${series}.${i}@x`,
    subject: `[master PATCH hello ${i}/${total}] ${series} part ${i}`,
    from: `${sender} <${sender}@example.org>`,
    ...(i > 1 ? { inReplyTo: `${series}.1@x` } : {}),
  });

describe('limits on what outsiders send', () => {
  it('rejects [PATCH 1/4294967296] and [PATCH 1/100000] naming limits.partsPerSeries, with a short reply', async () => {
    const { deps, source } = limited();
    source.add(
      patchMail({ id: 'huge@x', subject: '[master PATCH hello 1/4294967296] huge' }),
      patchMail({ id: 'big@x', subject: '[master PATCH hello 1/100000] big' }),
      patchMail({ id: 'fine@x', subject: '[master PATCH hello] fine' }),
    );
    const s = await intake(deps);
    expect(s.rejected.map((r) => [r.messageId, r.reason])).toEqual([
      ['huge@x', 'the series says it has 4294967296 parts, more than limits.partsPerSeries (100) allows'],
      ['big@x', 'the series says it has 100000 parts, more than limits.partsPerSeries (100) allows'],
    ]);
    expect(s.queued).toEqual(['fine@x']);
    const replies = queuedMail(deps.store);
    expect(replies).toHaveLength(2);
    for (const r of replies) expect(r.body.length).toBeLessThan(2000);
    expect(deps.store.mails.get('huge@x')).toMatchObject({ state: 'final', outcome: 'rejected' });
  });

  it('rejects a part numbered past limits.partsPerSeries, and its resend, with advice to split, not to retag', async () => {
    const { deps, source } = limited();
    const subject = '[master PATCH hello 99999999999999999999999/2] huge part';
    source.add(patchMail({ id: 'part@x', subject }), patchMail({ id: 'again@x', subject }));
    const s = await intake(deps);
    expect(s.rejected.map((r) => [r.messageId, r.reason])).toEqual([
      ['part@x', `it has a part numbered ${Number.MAX_SAFE_INTEGER}, past limits.partsPerSeries (100)`],
      ['again@x', `it has a part numbered ${Number.MAX_SAFE_INTEGER}, past limits.partsPerSeries (100)`],
    ]);
    const [reply] = queuedMail(deps.store);
    expect(reply?.subject).toContain('(patchferry: too large)');
    expect(reply?.body).toContain('Please split it into smaller series');
    expect(reply?.body).not.toContain('subject tag that names the');
  });

  it('quarantines a mail larger than limits.mailBytes unread, keeping only its header', async () => {
    const { deps, source } = limited({ mailBytes: 4096 });
    const big = patchMail({ id: 'big@x', subject: '[master PATCH hello] big', file: 'a'.repeat(10) });
    source.add(
      Buffer.concat([big, Buffer.alloc(8000, 'y')]),
      patchMail({ id: 'ok@x', subject: '[master PATCH hello] ok' }),
    );
    const s = await intake(deps);
    expect(s.quarantined).toEqual([
      {
        messageId: 'big@x',
        reason: expect.stringMatching(
          /^the mail is \d+ bytes, more than limits\.mailBytes \(4096\); it was not read$/,
        ),
      },
    ]);
    expect(s.queued).toEqual(['ok@x']);
    const record = deps.store.mails.get('big@x');
    expect(record).toMatchObject({ state: 'quarantined', outcome: 'over a limit' });
    expect(record?.raw.length).toBeLessThan(1000);
    expect(record?.raw.toString()).toContain('Subject: [master PATCH hello] big');
  });

  it('rejects a series whose diffs together are larger than limits.diffBytes', async () => {
    const { deps, source } = limited({ diffBytes: 1024 });
    const fat = patchMail({ id: 'fat@x', subject: '[master PATCH hello] fat' })
      .toString()
      .replace('+x\n', `${'+x\n'.repeat(600)}`)
      .replace('@@ -0,0 +1 @@', '@@ -0,0 +1,600 @@');
    source.add(Buffer.from(fat), patchMail({ id: 'thin@x', subject: '[master PATCH hello] thin' }));
    const s = await intake(deps);
    expect(s.rejected).toMatchObject([
      {
        messageId: 'fat@x',
        reason: expect.stringMatching(
          /^the diffs of the series are \d+ bytes together, more than limits\.diffBytes \(1024\) allows$/,
        ),
      },
    ]);
    expect(s.queued).toEqual(['thin@x']);
  });

  it('quarantines parts past limits.pendingPartsPerSender, while other senders go on', async () => {
    const { deps, source } = limited({ pendingPartsPerSender: 4 });
    for (let n = 0; n < 3; n++) source.add(part('mallory', `s${n}`, 1, 3), part('mallory', `s${n}`, 2, 3));
    source.add(part('ada', 'a', 1, 2), part('ada', 'a', 2, 2));
    const s = await intake(deps);
    expect(s.incomplete.map((i) => i.series)).toEqual(['s0.1@x', 's1.1@x']);
    expect(s.quarantined.map((q) => q.messageId)).toEqual(['s2.1@x', 's2.2@x']);
    expect(s.quarantined[0]?.reason).toBe(
      'mallory@example.org already has 4 parts of incomplete series waiting; limits.pendingPartsPerSender is 4',
    );
    expect(s.queued).toEqual(['a.1@x']);
  });

  it('quarantines parts past limits.pendingParts, whoever sends them', async () => {
    const { deps, source } = limited({ pendingParts: 3 });
    source.add(part('a', 'a', 1, 3), part('a', 'a', 2, 3), part('b', 'b', 1, 3), part('b', 'b', 2, 3));
    const s = await intake(deps);
    expect(s.incomplete.map((i) => i.series)).toEqual(['a.1@x']);
    expect(s.quarantined).toMatchObject([
      {
        messageId: 'b.1@x',
        reason: '2 parts of incomplete series are waiting already; limits.pendingParts is 3',
      },
      { messageId: 'b.2@x' },
    ]);
  });

  it('quarantines the mails of a sender past limits.mailsPerSenderPerHour; imported history is not held to it', async () => {
    const { deps, source } = limited({ mailsPerSenderPerHour: 3 });
    for (let i = 0; i < 5; i++)
      source.add(
        patchMail({
          id: `f${i}@x`,
          subject: `[master PATCH hello] flood ${i}`,
          from: 'Flood <flood@example.org>',
        }),
      );
    source.add(patchMail({ id: 'ada@x', subject: '[master PATCH hello] ada' }));
    const s = await intake(deps);
    expect(s.queued).toEqual(['f0@x', 'f1@x', 'f2@x', 'ada@x']);
    expect(s.quarantined).toEqual([
      {
        messageId: 'f3@x',
        reason:
          'flood@example.org sent more than limits.mailsPerSenderPerHour (3) mails within an hour; it was not read',
      },
      { messageId: 'f4@x', reason: expect.stringContaining('limits.mailsPerSenderPerHour') },
    ]);

    const history = limited({ mailsPerSenderPerHour: 3 });
    for (let i = 0; i < 5; i++)
      history.source.add(
        patchMail({ id: `h${i}@x`, subject: `[master PATCH hello] old ${i}`, from: 'Old <old@example.org>' }),
      );
    expect((await intake(history.deps, { history: true })).queued).toHaveLength(5);
  });
});

describe('malformed mail and duplicates in a run', () => {
  it('quarantines a truncated multipart and a NUL in a header with the reason, and the rest of the run goes on', async () => {
    const { deps, source } = limited();
    const truncated = Buffer.from(
      'From: Ada <ada@example.org>\nSubject: [master PATCH hello] cut\nMessage-ID: <cut@x>\nContent-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nAdds x.\n---\ndiff --git a/x b/x\nnew file mode 100644\n--- /dev/null\n+++ b/x\n@@ -0,0 +1,2 @@\n+x\n',
    );
    const nul = Buffer.from(patchMail({ id: 'nul@x', subject: '[master PATCH hello] n\0l' }));
    source.add(truncated, nul, patchMail({ id: 'ok@x', subject: '[master PATCH hello] ok' }));
    const s = await intake(deps);
    expect(s.quarantined).toEqual([
      {
        messageId: 'cut@x',
        reason: expect.stringContaining('without its closing boundary "--b--" (a truncated mail)'),
      },
      { messageId: 'nul@x', reason: expect.stringContaining('a NUL byte in its header') },
    ]);
    expect(s.queued).toEqual(['ok@x']);
    expect(deps.store.mails.get('cut@x')?.reason).toContain('truncated');
  });

  it('records a second, different mail under a known Message-ID as a duplicate with both hashes, and reads only the first', async () => {
    const { deps, source } = limited();
    const first = patchMail({ id: 'same@x', subject: '[master PATCH hello] first' });
    const other = patchMail({ id: 'same@x', subject: '[master PATCH hello] evil twin', file: 'evil.txt' });
    // The same mail once more, as another route delivers it: CRLF line ends. Not a duplicate.
    const again = Buffer.from(first.toString().replace(/\n/g, '\r\n'));
    source.add(first, other, again, other);
    const s = await intake(deps);
    expect(s.duplicates).toEqual([
      {
        messageId: 'same@x',
        first: expect.stringMatching(/^[0-9a-f]{64}$/),
        other: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    ]);
    const [d] = s.duplicates;
    expect(d?.first).not.toBe(d?.other);
    expect(deps.store.mails.duplicates('same@x')).toMatchObject([
      { firstSha256: d?.first, otherSha256: d?.other, position: '2' },
    ]);
    expect(s.queued).toEqual(['same@x']);
    expect(deps.store.mails.get('same@x')?.subject).toBe('[master PATCH hello] first');
  });
});

describe('a flood of incomplete series', () => {
  /** Counts the mail records (with their bytes) intake reads from the store. */
  function counting(mails: MailRecords): { read: () => number } {
    let read = 0;
    const open = mails.open.bind(mails);
    const many = mails.many.bind(mails);
    mails.open = () => {
      const r = open();
      read += r.length;
      return r;
    };
    mails.many = (ids) => {
      const r = many(ids);
      read += r.length;
      return r;
    };
    return { read: () => read };
  }

  it('is not read again by an idle sync; a new part reads only its own sender and thread', async () => {
    const { deps, source } = limited();
    for (let n = 0; n < 60; n++)
      source.add(part(`sender${n % 20}`, `f${n}`, 1, 3), part(`sender${n % 20}`, `f${n}`, 2, 3));
    source.add(part('ada', 'a', 1, 2));
    const first = await intake(deps);
    expect(first.incomplete).toHaveLength(61);

    const reads = counting(deps.store.mails);
    const idle = await intake(deps);
    expect(reads.read()).toBe(0);
    expect(idle.incomplete).toEqual(first.incomplete);

    source.add(part('ada', 'a', 2, 2));
    const completed = await intake(deps);
    expect(completed.queued).toEqual(['a.1@x']);
    // Ada's two parts, each read twice: for assembly (only its headers kept), then whole for the plan.
    expect(reads.read()).toBe(4);
    expect(completed.incomplete).toHaveLength(60);
  });
});
