import { PatchferryError } from '../../shared/errors.ts';
import { publishUnit, unitKey, type PublishUnit } from '../../work/units.ts';
import { done, type UnitHandler, type UnitOutcome } from '../../work/worker.ts';
import type { Deps } from '../deps.ts';
import { queueStatusRefresh } from '../report/status.ts';
import { queueCheck } from '../check/checks.ts';
import { checkPackages } from './package-check.ts';
import { publishNightly } from './nightly.ts';

export interface PublishOutcome {
  readonly project: string;
  readonly branch: string;
  readonly platform: string;
  readonly url: string;
  readonly repoFileUrl: string;
}

/** Queues the publication of every successful build that no repository serves yet (a build unit
 * queues its own; this catches builds recorded before units existed). */
export function queuePublications(deps: Pick<Deps, 'store'>): void {
  for (const b of deps.store.builds.unpublished())
    deps.store.work.enqueue({ kind: 'publish', key: unitKey.publish(b.id), payload: { buildId: b.id } });
}

/** The unit that publishes one build as a yum repository. */
export function publishHandler(
  deps: Pick<Deps, 'config' | 'log' | 'store' | 'publisher' | 'packages'>,
  outcome: (o: PublishOutcome) => void,
): UnitHandler<PublishUnit> {
  return {
    schema: publishUnit,
    async run(payload, unit): Promise<UnitOutcome> {
      if ('channel' in payload) return publishNightly(deps, payload, unit, outcome);
      const { buildId } = payload;
      const b = deps.store.builds.get(buildId);
      if (!b)
        throw new PatchferryError('publish_no_build', `build ${buildId} is not recorded; nothing to publish`);
      if (b.publishedUrl) return done({ url: b.publishedUrl });
      if (b.state !== 'succeeded')
        throw new PatchferryError(
          'publish_not_built',
          `build ${buildId} did not succeed; nothing to publish`,
        );
      const where = { project: b.project, branch: b.branch, platform: b.platform };
      await checkPackages(deps, b, unit.signal);
      const result = await deps.publisher.publish({
        ...where,
        // A build's `arch` lists the target's arches ("x86_64 ppc64le"): noarch RPMs join each.
        platform: { name: b.platform, arches: b.arch.split(/\s+/).filter(Boolean) },
        buildId: b.id,
        // Source packages too: they go to the platform's SRPMS/.
        rpms: b.rpms,
        commit: b.commit,
        signal: unit.signal,
      });
      deps.store.atomically(() => {
        deps.store.builds.recordPublication(b.id, result);
        queueStatusRefresh(deps.store, b, `publish:${b.id}`);
        queueCheck(deps, b);
      });
      const o = { ...where, url: result.url, repoFileUrl: result.repoFileUrl };
      outcome(o);
      return done(o);
    },
  };
}
