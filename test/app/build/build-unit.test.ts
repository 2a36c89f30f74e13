import { describe, expect, it } from 'vitest';
import { build, sync } from '../../../src/app/stages.ts';
import { FakeBuilder } from '../../fakes/build.ts';
import { fakeDeps } from '../../fakes/deps.ts';
import { patchMail } from '../../fakes/source.ts';

async function applied() {
  const world = fakeDeps();
  world.source.add(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }));
  await sync(world.deps);
  return world;
}

describe('the build unit', () => {
  it('retries an infrastructure failure with backoff, then reports it labelled with its retries', async () => {
    const { deps, clock, builder } = await applied();
    builder.infrastructureDown = true;
    const first = await build(deps);
    expect(first.units).toMatchObject([{ code: 'build_infrastructure' }]);
    expect(first.units[0]?.retryAt).not.toBeNull();
    expect((await build(deps)).builds).toEqual([]);
    clock.advance(60_000);
    await build(deps);
    clock.advance(120_000);
    const last = await build(deps);
    // work.maxAttempts is 3 in the fakes: two retries, and the third attempt reports.
    expect(builder.built).toHaveLength(3);
    expect(last.builds).toMatchObject([
      { ok: false, error: 'infrastructure, retried 2 times: Curl error (7): Failed to connect to mirror' },
    ]);
    expect(allBuilds(deps)[0]).toMatchObject({ state: 'failed', failureClass: 'infrastructure', retries: 2 });
  });

  it('fails a build of a commit the repository does not have at once, saying so, never retried', async () => {
    const { deps, packager, builder } = await applied();
    packager.commitsUnknown = true;
    const result = await build(deps);
    expect(result.units).toEqual([]);
    expect(result.builds).toMatchObject([
      {
        ok: false,
        error: expect.stringMatching(
          /^infrastructure: commit \w+ is not in .*; not retried, as no retry brings it$/,
        ),
      },
    ]);
    expect(builder.built).toEqual([]);
    expect(packager.made).toHaveLength(1);
    expect(deps.store.work.list('pending', ['build'])).toEqual([]);
    expect(allBuilds(deps)[0]).toMatchObject({ state: 'failed', failureClass: 'infrastructure', retries: 0 });
  });

  it('does not retry a patch failure, and keeps its error lines', async () => {
    const { deps, builder } = await applied();
    builder.failing = true;
    const result = await build(deps);
    expect(result.units).toEqual([]);
    expect(result.builds).toMatchObject([
      { ok: false, error: expect.stringMatching(/^patch: error: Bad exit status/) },
    ]);
    expect(builder.built).toHaveLength(1);
    expect(allBuilds(deps)).toMatchObject([
      {
        failureClass: 'patch',
        retries: 0,
        errorLines: ['error: Bad exit status from /var/tmp/rpm-tmp.1 (%build)'],
      },
    ]);
  });

  it('stores a pending build’s handle and, after a restart, checks it and never starts it again', async () => {
    const { deps, clock, builder, packager } = await applied();
    builder.pendingChecks = 1;
    const first = await build(deps);
    expect(first.builds).toEqual([]);
    const [unit] = deps.store.work.list('pending', ['build']);
    expect(JSON.parse(unit?.handle ?? '{}')).toMatchObject({ handle: 'task-1' });
    expect(allBuilds(deps)).toMatchObject([{ state: 'running', taskId: 101 }]);

    // Another process (a restart): a fresh builder, the same database.
    const restarted = new FakeBuilder();
    restarted.pendingChecks = 1;
    const again = { ...deps, builder: restarted };
    expect((await build(again)).builds).toEqual([]);
    expect(restarted.checked).toEqual([]);
    clock.advance(5_000);
    await build(again);
    clock.advance(5_000);
    const done = await build(again);
    expect(restarted.built).toEqual([]);
    expect(restarted.checked).toEqual(['task-1', 'task-1']);
    expect(done.builds).toMatchObject([{ ok: true }]);
    expect(allBuilds(deps)).toMatchObject([
      { state: 'succeeded', taskId: 101, release: expect.stringMatching(/git/) },
    ]);
    // The SRPM was made once, before the build was submitted.
    expect(packager.made).toHaveLength(1);
  });

  it('builds every arch of a target in one build, with the SRPM made once for all targets', async () => {
    const { deps, source, builder, packager } = fakeDeps();
    const config = {
      ...deps.config,
      projects: { hello: { ...deps.config.projects.hello!, platforms: ['el9', 'el10'] } },
      platforms: { ...deps.config.platforms, el10: { dist: '.el10', arches: ['x86_64', 'ppc64le'] } },
    };
    const two = { ...deps, config };
    source.add(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }));
    await sync(two);
    await build(two);
    expect(builder.built.map((b) => [b.target.name, b.target.arches])).toEqual([
      ['el9', ['x86_64']],
      ['el10', ['x86_64', 'ppc64le']],
    ]);
    expect(new Set(packager.made.map((m) => m.commit)).size).toBe(1);
    const el10 = allBuilds(deps).find((b) => b.platform === 'el10');
    expect(el10?.arch).toBe('x86_64 ppc64le');
    expect(el10?.archBuilds.map((a) => [a.arch, a.rpms.length])).toEqual([
      ['x86_64', 1],
      ['ppc64le', 1],
    ]);
  });
});

function allBuilds(deps: Awaited<ReturnType<typeof applied>>['deps']) {
  const tip = deps.store.series.application('a@x')?.headCommit ?? '';
  return deps.store.builds.forCommit('hello', 'master', tip);
}
