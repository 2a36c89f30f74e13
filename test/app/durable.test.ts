import { describe, expect, it } from 'vitest';
import { detectMerges, mergeRequestMerged } from '../../src/app/propose/merges.ts';
import { report, sync } from '../../src/app/stages.ts';
import { fakeDeps } from '../fakes/deps.ts';
import { FakeNotifier } from '../fakes/notifier.ts';
import { patchMail } from '../fakes/source.ts';

/** Use cases over in-memory fakes of every port: failures of one unit, retries of effects. */
describe('durable work', () => {
  it('goes on with the other series when one throws, retries it later, and gives up on it after maxAttempts, telling the failure recipients once', async () => {
    const { deps, clock, source, git } = fakeDeps();
    source.add(
      patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }),
      patchMail({ id: 'b@x', subject: '[master PATCH hello] add b' }),
    );
    git.throwFor('a@x');
    const first = await sync(deps);
    expect(first.applied.map((a) => a.series)).toEqual(['b@x']);
    expect(first.units).toMatchObject([
      { key: 'series:a@x', code: 'unexpected', error: 'git crashed applying a@x' },
    ]);
    expect(first.units[0]?.retryAt).not.toBeNull();

    // Not due yet: the next run leaves it alone.
    expect((await sync(deps)).units).toEqual([]);
    clock.advance(60_000);
    expect((await sync(deps)).units[0]?.retryAt).not.toBeNull();
    clock.advance(120_000);
    const last = await sync(deps);
    expect(last.units).toMatchObject([{ key: 'series:a@x', retryAt: null }]);
    // Its mail is final: no run plans it again; the failure recipients are told once.
    expect(deps.store.mails.get('a@x')).toMatchObject({ state: 'final', outcome: 'not applied' });
    clock.advance(3_600_000);
    expect((await sync(deps)).units).toEqual([]);
    const sent = await report(deps);
    const dead = sent.sent.filter((s) => s.key === 'dead:series:a@x#1');
    expect(dead).toMatchObject([{ to: ['mia@example.org'] }]);
    expect(dead[0]?.body).toContain('git crashed applying a@x');
    expect((await report(deps)).sent).toEqual([]);
  });

  it('delivers a note exactly once to a forge that answers 503 first, and opens one merge request', async () => {
    const { deps, clock, source, forge } = fakeDeps({ forge: true });
    if (!forge) throw new Error('no forge');
    source.add(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }));
    forge.failNext('open');
    forge.failNext('comment');
    const first = await sync(deps);
    expect(first.proposed).toEqual([]);
    expect(first.units).toMatchObject([{ key: 'mr:a@x:proposed', code: 'forge_unavailable' }]);
    clock.advance(60_000);
    const second = await sync(deps);
    expect(second.proposed).toMatchObject([{ action: 'opened' }]);
    // The status note met the second 503 and waits for its retry.
    expect(second.units).toMatchObject([{ key: 'status:a@x:proposed', code: 'forge_unavailable' }]);
    clock.advance(60_000);
    await report(deps);
    await report(deps);
    expect(forge.mergeRequests).toHaveLength(1);
    expect(forge.commentsOn('virt/hello', 1).map((c) => c.body)).toEqual([
      expect.stringMatching(/^\*\*patchferry status\*\*, version 1/),
    ]);
  });

  it('retries a mail only where it was not delivered, with the same key (and so Message-ID) everywhere', async () => {
    const { deps, clock, source, notifier } = fakeDeps();
    const outbox = new FakeNotifier('fake:outbox');
    const all = { ...deps, notifiers: [notifier, outbox] };
    source.add(patchMail({ id: 'q@x', subject: '[master PATCH qemu] not here' }));
    await sync(all);
    outbox.failNext();
    const first = await report(all);
    expect(first.units).toMatchObject([{ key: 'mail:q@x:rejected', code: 'smtp_failed' }]);
    expect(notifier.sent.map((s) => s.key)).toEqual(['mail:q@x:rejected']);
    expect(outbox.sent).toEqual([]);
    clock.advance(60_000);
    await report(all);
    expect(notifier.sent.map((s) => s.key)).toEqual(['mail:q@x:rejected']);
    expect(outbox.sent.map((s) => s.key)).toEqual(['mail:q@x:rejected']);
  });

  it('records one merge when the webhook and the forge poll see it at the same time', async () => {
    const { deps, source, forge } = fakeDeps({ forge: true });
    if (!forge) throw new Error('no forge');
    source.add(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }));
    await sync(deps);
    forge.merge('virt/hello', 1, 'f'.repeat(40));
    const [polled, hooked] = await Promise.all([
      detectMerges(deps),
      // The webhook arrives while the poll waits for the forge's answer.
      Promise.resolve().then(() =>
        mergeRequestMerged(deps, { repository: 'virt/hello', number: 1, mergeSha: 'f'.repeat(40) }),
      ),
    ]);
    // Exactly one of them recorded it, whichever came first.
    expect([polled.merged.length, hooked ? 1 : 0].sort()).toEqual([0, 1]);
    expect(deps.store.series.unbuiltBranches()).toEqual([{ project: 'hello', branch: 'master' }]);
    await report(deps);
    const merged = forge.commentsOn('virt/hello', 1).filter((c) => c.body.startsWith('Merged as'));
    expect(merged).toHaveLength(1);
    // Another delivery of the same webhook changes nothing.
    expect(mergeRequestMerged(deps, { repository: 'virt/hello', number: 1, mergeSha: 'f'.repeat(40) })).toBe(
      false,
    );
  });

  it('edits the status note in place as the series moves from proposed to merged to built and published', async () => {
    const { deps, source, forge } = fakeDeps({ forge: true });
    if (!forge) throw new Error('no forge');
    const { build, publish } = await import('../../src/app/stages.ts');
    source.add(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }));
    await sync(deps);
    const status = () =>
      forge.commentsOn('virt/hello', 1).filter((c) => c.body.includes('patchferry-status'));
    expect(status()).toHaveLength(1);
    expect(status()[0]?.body).toContain('- [ ] merged: waiting for a reviewer');
    forge.merge('virt/hello', 1, 'f'.repeat(40));
    await sync(deps);
    await build(deps);
    await publish(deps);
    await report(deps);
    expect(status()).toHaveLength(1);
    expect(status()[0]?.body).toContain('- [x] merged into `master`');
    expect(status()[0]?.body).toContain('- [x] published');
    expect(status()[0]?.body).toContain('**Built**');
    expect(forge.statuses.map((s) => s.status.name)).toEqual(['patchferry/rpm/el9']);
  });

  it('reads the mail when the forge cannot say whether a merge request was merged, and asks again next time', async () => {
    const { deps, source, forge } = fakeDeps({ forge: true });
    if (!forge) throw new Error('no forge');
    source.add(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }));
    await sync(deps);
    forge.merge('virt/hello', 1, 'f'.repeat(40));
    forge.failNext('get');
    source.add(patchMail({ id: 'b@x', subject: '[master PATCH hello] add b' }));
    const down = await sync(deps);
    expect(down.unchecked).toMatchObject([{ error: expect.stringContaining('503') }]);
    expect(down.newMails).toBe(1);
    expect(down.proposed).toMatchObject([{ series: 'b@x', action: 'opened' }]);
    const up = await sync(deps);
    expect(up.merged).toMatchObject([{ series: 'a@x', commit: 'f'.repeat(40) }]);
  });

  it('reports a build that failed, and once it builds (a flaky build, build --all), reports that too', async () => {
    const { deps, source, builder, notifier } = fakeDeps();
    const { build, publish } = await import('../../src/app/stages.ts');
    source.add(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }));
    await sync(deps);
    builder.failing = true;
    expect((await build(deps)).builds).toMatchObject([{ ok: false }]);
    await publish(deps);
    const first = await report(deps);
    expect(first.sent.map((s) => s.subject)).toEqual([expect.stringMatching(/build failed\)$/)]);
    // The log's place on this machine is nobody's business on the list.
    expect(notifier.sent.map((s) => s.message.body).join('\n')).not.toContain(deps.config.workDir);
    expect((await report(deps)).sent).toEqual([]);

    builder.failing = false;
    expect((await build(deps, { all: true })).builds).toMatchObject([{ ok: true }]);
    await publish(deps);
    const second = await report(deps);
    expect(second.sent.map((s) => s.subject)).toEqual([expect.stringMatching(/applied and built\)$/)]);
    expect((await report(deps)).sent).toEqual([]);
  });

  it('says, on a publish that has nothing due, how many publications wait for their retry and when', async () => {
    const { deps, clock, source, publisher } = fakeDeps();
    const { build, publish } = await import('../../src/app/stages.ts');
    const { printPublish } = await import('../../src/cli/print.ts');
    source.add(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }));
    await sync(deps);
    await build(deps);
    publisher.unreachable = true;
    const down = await publish(deps);
    expect(down.units).toMatchObject([
      { key: expect.stringMatching(/^publish:/), code: 'publish_target_down' },
    ]);
    expect(down.deferred).toBeNull();
    const lines: string[] = [];
    printPublish(down, (l) => lines.push(l));
    // ssh's CR LF is not shown as an escape.
    expect(lines[1]).toMatch(
      /^ {2}RETRY {5}publish:\S+ at \S+: ssh: connect to host 127\.0\.0\.1 port 1: Connection refused$/,
    );

    publisher.unreachable = false;
    const waiting = await publish(deps);
    expect(waiting.published).toEqual([]);
    expect(waiting.deferred).toMatchObject({ count: 1, next: down.units[0]?.retryAt });
    lines.length = 0;
    printPublish(waiting, (l) => lines.push(l));
    expect(lines).toContain(
      `  WAITING   1 unit(s) failed before and wait for their retry, the next at ${down.units[0]?.retryAt} (${down.units[0]?.key}: ssh: connect to host 127.0.0.1 port 1: Connection refused)`,
    );

    clock.advance(60_000);
    const retried = await publish(deps);
    expect(retried.published).toHaveLength(1);
    expect(retried.deferred).toBeNull();
  });

  it('publishes no build that raises an Epoch, and tells the failure recipients why', async () => {
    const { deps, source, packages, notifier } = fakeDeps();
    const { build, publish } = await import('../../src/app/stages.ts');
    source.add(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }));
    await sync(deps);
    await build(deps);
    expect((await publish(deps)).published).toHaveLength(1);
    source.add(patchMail({ id: 'b@x', subject: '[master PATCH hello] add b' }));
    await sync(deps);
    await build(deps);
    // The new build's packages carry Epoch 99; the published ones keep their 0.
    for (const b of deps.store.builds.lastPublished('hello', 'master'))
      for (const rpm of b.rpms) packages.epochs.set(rpm, 0);
    packages.epoch = 99;
    expect((await publish(deps)).published).toEqual([]);
    await report(deps);
    const dead = notifier.sent.find((s) => s.key.startsWith('dead:publish:'));
    expect(dead?.message.to).toEqual(['mia@example.org']);
    expect(dead?.message.body).toMatch(/is not published: hello raises its Epoch from 0 to 99/);
  });

  it('tells the failure recipients of a mail given up on, and delivers it once asked again', async () => {
    const { deps, clock, source, notifier } = fakeDeps();
    source.add(patchMail({ id: 'q@x', subject: '[master PATCH qemu] not here' }));
    await sync(deps);
    notifier.failNext(5);
    for (let i = 0; i < 3; i++) {
      await report(deps);
      clock.advance(3_600_000);
    }
    expect(deps.store.work.get('mail:q@x:rejected')?.state).toBe('dead');
    // The notice went through the same destination once it worked again.
    await report(deps);
    clock.advance(3_600_000);
    await report(deps);
    expect(notifier.sent.map((s) => s.key)).toEqual(['dead:mail:q@x:rejected#1']);
    expect(notifier.sent[0]?.message.body).toContain('patchferry retry mail:q@x:rejected');

    expect(deps.store.work.reopenDead(['mail:'])).toEqual(['mail:q@x:rejected']);
    await report(deps);
    expect(notifier.sent.map((s) => s.key)).toEqual(['dead:mail:q@x:rejected#1', 'mail:q@x:rejected']);
    expect(deps.store.work.reopenDead([])).toEqual([]);
  });

  it('builds a branch for its other platforms after a build narrowed to one', async () => {
    const { deps, source, builder } = fakeDeps();
    const { build } = await import('../../src/app/stages.ts');
    const config = {
      ...deps.config,
      projects: { hello: { ...deps.config.projects.hello!, platforms: ['el9', 'fc41'] } },
      platforms: { ...deps.config.platforms, fc41: { dist: '.fc41', arches: ['x86_64'] } },
    };
    const two = { ...deps, config };
    source.add(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }));
    await sync(two);
    expect((await build(two, { platform: 'el9' })).builds.map((b) => b.platform)).toEqual(['el9']);
    expect((await build(two)).builds.map((b) => [b.platform, b.reused])).toEqual([
      ['el9', true],
      ['fc41', false],
    ]);
    expect(builder.built.map((b) => b.target.name)).toEqual(['el9', 'fc41']);
  });
});
