import { describe, expect, it } from 'vitest';
import { runNightly, runPipeline } from '../../../src/app/pipeline/pipeline.ts';
import { runUnits } from '../../../src/app/stages.ts';
import { fakeDeps } from '../../fakes/deps.ts';

describe('the pipeline (nightly and Run pipeline)', () => {
  it('queues a build of every branch tip on every target, narrowed by project, branch and platforms', async () => {
    const { deps } = fakeDeps();
    await expect(runPipeline(deps, { platforms: ['fc99'] })).rejects.toThrow(
      /no platform "fc99".*known: el9/,
    );
    expect(deps.store.work.list('pending', ['build'])).toEqual([]);

    await runPipeline(deps, { project: 'hello', branch: 'master', platforms: ['el9'] });
    expect(deps.store.work.list('pending', ['build']).map((u) => u.key)).toEqual([
      expect.stringMatching(/^build:hello:master:[0-9a-f]+:el9$/),
    ]);
    // The same tip asked for again queues nothing twice.
    await runPipeline(deps);
    expect(deps.store.work.list('pending', ['build'])).toHaveLength(1);
  });

  it('sends the daily summary once per day with what is built tonight', async () => {
    const { deps } = fakeDeps();
    const at = new Date('2026-11-29T02:00:00Z');
    await runNightly(deps, at);
    await runNightly(deps, at);
    const mails = deps.store.work.list('pending', ['mail']);
    expect(mails.map((u) => u.key)).toEqual(['summary:2026-11-29']);
    const body = (mails[0]?.payload as { message: { to: string[]; subject: string; body: string } }).message;
    expect(body.to).toEqual(['list@example.org']);
    expect(body.subject).toBe('[patchferry] daily summary 2026-11-29');
    expect(body.body).toContain('Building tonight: hello/master (el9).');
    // No series applied in the day: no link to the archive of the day's patches.
    expect(body.body).not.toContain('patches/');
  });

  it('publishes its builds to the nightly tree, and the next night builds only a branch that moved', async () => {
    const { deps, git, publisher } = fakeDeps();
    const summary = () =>
      (deps.store.work.list('pending', ['mail']).at(-1)?.payload as { message: { body: string } }).message
        .body;
    const night = async (at: string) => {
      const run = await runNightly(deps, new Date(at));
      await runUnits(deps, ['build']);
      await runUnits(deps, ['publish']);
      return run;
    };
    await night('2026-11-28T02:00:00Z');
    const tip = await git.branchTip('hello', '', 'master');
    const nightly = publisher.published.filter((r) => r.channel === 'nightly');
    expect(nightly.map((r) => [r.project, r.branch, r.platform.name, r.commit])).toEqual([
      ['hello', 'master', 'el9', tip],
    ]);
    // Every build's tree has it too, as for any build.
    expect(publisher.published.filter((r) => (r.channel ?? 'builds') === 'builds')).toHaveLength(1);

    const second = await night('2026-11-29T02:00:00Z');
    expect(second.unchanged).toEqual(['hello/master (el9)']);
    expect(deps.store.work.list('pending', ['build'])).toEqual([]);
    expect(publisher.published).toHaveLength(2);
    expect(summary()).toContain('Nothing to build tonight.');
    expect(summary()).toContain('Unchanged since the last nightly: hello/master (el9).');

    git.branches.set('hello:master', [tip, 'f'.repeat(40)]);
    const third = await night('2026-11-30T02:00:00Z');
    expect(third.unchanged).toEqual([]);
    expect(summary()).toContain('Building tonight: hello/master (el9).');
    expect(publisher.published.filter((r) => r.channel === 'nightly').map((r) => r.commit)).toEqual([
      tip,
      'f'.repeat(40),
    ]);
  });

  it('publishes to the nightly tree a tip built earlier that day, once its build is done', async () => {
    const { deps, git, publisher, clock } = fakeDeps();
    const tip = await git.branchTip('hello', '', 'master');
    await runPipeline(deps); // a merge's build, queued before the nightly and not run yet
    await runNightly(deps, new Date('2026-11-29T02:00:00Z'));
    await runUnits(deps, ['publish']);
    expect(publisher.published).toEqual([]); // its build has not run: the publication waits
    expect(deps.store.work.list('pending', ['publish']).map((u) => u.key)).toEqual([
      `publish:nightly:hello:master:${tip}:el9`,
    ]);
    await runUnits(deps, ['build']);
    clock.advance(61_000); // the waiting publication looks again a minute later
    await runUnits(deps, ['publish']);
    expect(publisher.published.map((r) => r.channel ?? 'builds').sort()).toEqual(['builds', 'nightly']);
  });
});
