import { describe, expect, it } from 'vitest';
import { runNightly, runPipeline } from '../../../src/app/pipeline/pipeline.ts';
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
  });
});
