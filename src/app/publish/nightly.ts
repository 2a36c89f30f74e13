import { unitKey, type NightlyPublication } from '../../work/units.ts';
import { done, waitFor, type RunningUnit, type UnitOutcome } from '../../work/worker.ts';
import type { Deps } from '../deps.ts';
import { checkPackages } from './package-check.ts';

/** How long a nightly publication waits before it looks at its build again. */
const BUILD_WAIT_MS = 60_000;

/**
 * Publishes the nightly run's build of a target into the nightly tree (`nightly/<project>/…`), with
 * the commit as the platform directory's head: what the next nightly compares the branch tip with.
 * The build may not exist yet when the nightly queues this: while it is to come (queued, running,
 * or failed and to be retried) the unit waits; a build that failed for good, or was never asked
 * for, leaves nothing to publish (done, not an error: the build reports its own failure).
 */
export async function publishNightly(
  deps: Pick<Deps, 'config' | 'log' | 'store' | 'publisher' | 'packages'>,
  t: NightlyPublication,
  unit: RunningUnit,
  outcome: (o: {
    project: string;
    branch: string;
    platform: string;
    url: string;
    repoFileUrl: string;
  }) => void,
): Promise<UnitOutcome> {
  const b = deps.store.builds.find(t);
  if (b?.state !== 'succeeded') {
    const build = deps.store.work.get(unitKey.build(t));
    const coming = build && build.state !== 'done' && build.state !== 'dead';
    if (coming) return waitFor(JSON.stringify({ awaiting: build.key }), BUILD_WAIT_MS);
    return done({ published: false, why: b ? `the build ${b.state}` : 'not built' });
  }
  await checkPackages(deps, b, unit.signal);
  const result = await deps.publisher.publish({
    project: b.project,
    branch: b.branch,
    platform: { name: b.platform, arches: b.arch.split(/\s+/).filter(Boolean) },
    channel: 'nightly',
    buildId: b.id,
    rpms: b.rpms,
    commit: b.commit,
    signal: unit.signal,
  });
  const o = {
    project: b.project,
    branch: b.branch,
    platform: b.platform,
    url: result.url,
    repoFileUrl: result.repoFileUrl,
  };
  outcome(o);
  return done(o);
}

/** Whether the nightly tree already holds the build of `commit` for this target: the branch did
 * not move since the last nightly, which builds nothing for it. Asks the published tree (Publisher
 * `publishedHead`), so a job with an empty database knows it too. */
export async function unchangedSinceNightly(
  deps: Pick<Deps, 'publisher'>,
  t: {
    readonly project: string;
    readonly branch: string;
    readonly commit: string;
    readonly platform: string;
  },
): Promise<boolean> {
  const head = await deps.publisher.publishedHead({ channel: 'nightly', ...t });
  return head !== null && head === t.commit;
}
