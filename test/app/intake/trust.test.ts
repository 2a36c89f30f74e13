import { describe, expect, it } from 'vitest';
import { build, publish, report, sync } from '../../../src/app/stages.ts';
import { fakeDeps } from '../../fakes/deps.ts';
import { patchMail } from '../../fakes/source.ts';
import { queuedMail } from '../../helpers/outbox.ts';

function review(o: { id: string; to: string; from: string }): Buffer {
  const [name = '', address = ''] = /^(.*) <(.*)>$/.exec(o.from)?.slice(1) ?? [];
  return Buffer.from(
    [
      `From: ${o.from}`,
      'Subject: Re: [master PATCH hello] add a',
      `Message-ID: <${o.id}>`,
      'Date: Sun, 29 Nov 2026 11:00:00 +0000',
      `In-Reply-To: <${o.to}>`,
      `References: <${o.to}>`,
      '',
      'Looks good.',
      '',
      `Reviewed-by: ${name} <${address}>`,
      '',
    ].join('\n'),
  );
}

describe('who may have series applied (trust.senders)', () => {
  it('holds a series from a sender not allowed: recorded, not applied, shown with the reason, the sender told once', async () => {
    const { deps, source, git } = fakeDeps({ config: { trust: { senders: ['example.net'] } } });
    source.add(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }));
    const first = await sync(deps);
    expect(first.applied).toEqual([]);
    expect(first.held).toEqual([
      {
        series: 'a@x',
        project: 'hello',
        sender: 'ada@example.org',
        reason: 'ada@example.org is not among the senders allowed for hello (trust.senders)',
      },
    ]);
    expect(git.applied).toEqual([]);
    expect(deps.store.mails.get('a@x')).toMatchObject({ state: 'new', outcome: 'held' });
    const notices = queuedMail(deps.store);
    expect(notices).toMatchObject([{ key: 'series:a@x:held', to: ['ada@example.org'] }]);
    expect(notices[0]?.body).toContain('holds it for a maintainer');
    // Looked at again by the next run, still held, and not told twice.
    const again = await sync(deps);
    expect(again.held.map((h) => h.series)).toEqual(['a@x']);
    expect(queuedMail(deps.store)).toHaveLength(1);
  });

  it('lets a held series go on at the next run once its sender is added to trust.senders', async () => {
    const { deps, source, git } = fakeDeps({ config: { trust: { senders: ['example.net'] } } });
    source.add(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }));
    await sync(deps);
    const { deps: allowed } = fakeDeps({
      config: { trust: { senders: ['example.net', 'ada@example.org'] } },
    });
    const released = await sync({ ...deps, config: allowed.config });
    expect(released.held).toEqual([]);
    expect(released.applied.map((a) => a.series)).toEqual(['a@x']);
    expect(git.applied).toHaveLength(1);
    // The "held" notice no report had sent yet is not sent after the series went on.
    expect(queuedMail(deps.store).map((m) => m.key)).not.toContain('series:a@x:held');
    expect(deps.store.work.get('series:a@x:held')?.state).toBe('done');
  });

  it('sends no stale "held" notice once a maintainer released the series', async () => {
    const { deps, source, git } = fakeDeps({ config: { trust: { senders: ['example.net'] } } });
    source.add(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }));
    await sync(deps);
    expect(queuedMail(deps.store).map((m) => m.key)).toEqual(['series:a@x:held']);
    deps.store.releases.release({ messageId: 'a@x', by: 'mia', at: '2026-11-30T03:00:00.000Z' });
    const after = await sync(deps);
    expect(after.applied.map((a) => a.series)).toEqual(['a@x']);
    expect(git.applied).toHaveLength(1);
    expect(queuedMail(deps.store).map((m) => m.key)).not.toContain('series:a@x:held');
    // The list learns that a maintainer let it through, who, and when.
    await build(deps);
    await publish(deps);
    const reported = (await report(deps)).sent.find((m) => m.key.startsWith('series:a@x:built:'));
    expect(reported?.body).toContain(
      'It was held for a maintainer and released by mia at 2026-11-30 03:00 UTC.',
    );
  });

  it("lets a project's own trust.senders replace the global list", async () => {
    const { deps, source } = fakeDeps({
      config: {
        trust: { senders: ['example.net'] },
        projects: {
          hello: {
            git: '/nonexistent/hello.git',
            branches: ['master'],
            platforms: ['el9'],
            trust: { senders: ['example.org'] },
          },
        },
      },
    });
    source.add(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }));
    expect((await sync(deps)).applied.map((a) => a.series)).toEqual(['a@x']);
  });

  it('folds in review trailers only from senders that pass the same rules', async () => {
    const { deps, source, git } = fakeDeps({ config: { trust: { senders: ['example.org'] } } });
    source.add(
      patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }),
      review({ id: 'r1@x', to: 'a@x', from: 'Bob <bob@example.org>' }),
      review({ id: 'r2@x', to: 'a@x', from: 'Eve <eve@example.com>' }),
    );
    await sync(deps);
    expect(git.applied[0]?.patches[0]?.trailers).toEqual(['Reviewed-by: Bob <bob@example.org>']);
  });

  it('lets everyone in and counts every review when trust.senders is not set', async () => {
    const { deps, source, git } = fakeDeps();
    source.add(
      patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }),
      review({ id: 'r2@x', to: 'a@x', from: 'Eve <eve@example.com>' }),
    );
    expect((await sync(deps)).applied).toHaveLength(1);
    expect(git.applied[0]?.patches[0]?.trailers).toEqual(['Reviewed-by: Eve <eve@example.com>']);
  });
});

describe('replies to mail that routes nowhere', () => {
  it('answers a sender at most trust.notRoutedPerDay times a day', async () => {
    const { deps, source } = fakeDeps({ config: { trust: { notRoutedPerDay: 2 } } });
    for (const n of [1, 2, 3])
      source.add(patchMail({ id: `q${n}@x`, subject: `[master PATCH qemu] fix ${n}` }));
    const s = await sync(deps);
    expect(s.rejected.map((r) => r.silent)).toEqual([
      null,
      null,
      'ada@example.org got 2 such replies in the last 24 hours',
    ]);
    expect(queuedMail(deps.store).map((m) => m.key)).toEqual(['mail:q1@x:rejected', 'mail:q2@x:rejected']);
  });

  it('replies on the list when the source says list, and only logs when it says log', async () => {
    const list = fakeDeps();
    list.source.add(patchMail({ id: 'q@x', subject: '[master PATCH qemu] fix' }));
    const onList = { ...list.deps, rejections: new Map([[list.source.name, 'list' as const]]) };
    await sync(onList);
    expect(queuedMail(list.deps.store)).toMatchObject([{ to: ['list@example.org', 'ada@example.org'] }]);

    const log = fakeDeps();
    log.source.add(patchMail({ id: 'q@x', subject: '[master PATCH qemu] fix' }));
    const logged = await sync({ ...log.deps, rejections: new Map([[log.source.name, 'log' as const]]) });
    expect(logged.rejected).toMatchObject([{ silent: 'this source logs rejections only' }]);
    expect(queuedMail(log.deps.store)).toEqual([]);
  });

  it('does not answer an automatic mail, a bounce, or mail from MAILER-DAEMON', async () => {
    const { deps, source } = fakeDeps();
    source.add(
      patchMail({
        id: 'q1@x',
        subject: '[master PATCH qemu] a',
        headers: ['Auto-Submitted: auto-generated'],
      }),
      patchMail({ id: 'q2@x', subject: '[master PATCH qemu] b', headers: ['Return-Path: <>'] }),
      patchMail({ id: 'q3@x', subject: '[master PATCH qemu] c', from: 'MAILER-DAEMON@mx.example.org' }),
    );
    const s = await sync(deps);
    expect(s.rejected).toHaveLength(3);
    expect(s.rejected.every((r) => r.silent !== null)).toBe(true);
    expect(queuedMail(deps.store)).toEqual([]);
  });

  it('never answers imported history older than the source start, but answers newer mail it brings', async () => {
    const { deps, source, git } = fakeDeps();
    source.add(
      patchMail({ id: 'q@x', subject: '[master PATCH qemu] old', date: 'Mon, 01 Jan 2024 10:00:00 +0000' }),
      patchMail({
        id: 'a@x',
        subject: '[master PATCH hello] old but fine',
        date: 'Mon, 01 Jan 2024 10:00:00 +0000',
      }),
      patchMail({
        id: 'n@x',
        subject: '[master PATCH qemu] new',
        date: new Date(Date.now() + 3_600_000).toUTCString(),
      }),
    );
    const s = await sync(deps, { history: true });
    expect(s.rejected.map((r) => [r.messageId, r.silent === null])).toEqual([
      ['q@x', false],
      ['n@x', true],
    ]);
    expect(git.applied).toHaveLength(1);
    expect(queuedMail(deps.store).map((m) => m.key)).toEqual(['mail:n@x:rejected']);
  });
});
