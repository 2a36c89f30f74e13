import type { BuildRecord, Store } from '../../ports/store.ts';
import type { InstallRepo, SmokeResult } from '../../ports/tester.ts';
import { PatchferryError } from '../../shared/errors.ts';
import { checkUnit, type CheckUnit } from '../../work/units.ts';
import { done, type UnitHandler, type UnitOutcome } from '../../work/worker.ts';
import type { Deps } from '../deps.ts';
import { queueStatusRefresh } from '../report/status.ts';
import { checksOf } from './checks.ts';

/** What the test stage did with one build, for the command's summary. */
export interface CheckOutcome {
  readonly project: string;
  readonly branch: string;
  readonly platform: string;
  readonly buildId: number;
  readonly state: 'passed' | 'failed' | 'not-installed' | 'not-run';
  /** The testing repository the build was installed from (where it stays when a check fails). */
  readonly testingUrl: string;
  /** The stable repository, once promoted. */
  readonly stableUrl: string | null;
  /** The first check that failed, by name. */
  readonly failed: string | null;
}

type CheckDeps = Pick<Deps, 'config' | 'log' | 'store' | 'publisher' | 'tester'>;

/**
 * The unit that tests one published build: it publishes the build to the testing channel
 * (`testing/<project>/<branch>/<platform>/`), installs it from there into a throwaway root with the
 * platform's base repositories, runs the project's checks, records what they found, and promotes a
 * build whose checks all passed to the stable channel (the same files, hard-linked). Restart-safe:
 * a run killed before the result was recorded checks again; publications of a build already served
 * change nothing, so the promotion is never made twice.
 */
export function checkHandler(deps: CheckDeps, outcome: (o: CheckOutcome) => void): UnitHandler<CheckUnit> {
  return {
    schema: checkUnit,
    async run({ buildId }, unit): Promise<UnitOutcome> {
      const b = deps.store.builds.get(buildId);
      if (!b || b.state !== 'succeeded')
        throw new PatchferryError('check_no_build', `build ${buildId} did not succeed; nothing to test`);
      const checks = checksOf(deps.config, b.project);
      const platform = deps.config.platforms[b.platform];
      if (checks.length === 0 || !platform) return done({ skipped: 'no checks configured' });
      const where = { project: b.project, branch: b.branch, platform: b.platform, buildId };
      const site = {
        project: b.project,
        branch: b.branch,
        platform: { name: b.platform, arches: b.arch.split(/\s+/).filter(Boolean) },
        buildId,
        signal: unit.signal,
      };
      const testing = await deps.publisher.publish({ ...site, channel: 'testing', rpms: b.rpms });
      let recorded = deps.store.checks.get(buildId);
      if (!recorded) {
        const arch = site.platform.arches.includes(deps.tester.arch)
          ? deps.tester.arch
          : site.platform.arches.every((a) => a === 'noarch')
            ? 'noarch'
            : null;
        const result: SmokeResult | null =
          arch === null
            ? null
            : await deps.tester.test({
                rpms: b.rpms,
                repos: [
                  { id: 'patchferry-testing', baseurl: `file://${testing.path}/${arch}` },
                  ...(platform.baseRepos ?? []).map((baseurl, i): InstallRepo => ({
                    id: `base-${i + 1}`,
                    baseurl,
                  })),
                ],
                releasever: platform.releasever ?? /\d+/.exec(platform.dist)?.[0] ?? null,
                checks: checks.map((c) => ({ name: c.name, run: c.run, timeoutMs: c.timeoutSeconds * 1000 })),
                signal: unit.signal,
              });
        deps.store.atomically(() => {
          deps.store.checks.record({
            buildId,
            testingUrl: testing.url,
            ...recordOf(result, b.platform, site.platform.arches, deps.tester.arch),
          });
          queueStatusRefresh(deps.store, b, `check:${buildId}`);
        });
        recorded = deps.store.checks.get(buildId);
      }
      let stableUrl = recorded?.stableUrl ?? null;
      if (recorded?.state === 'passed' && stableUrl === null) {
        const stable = await deps.publisher.publish({
          ...site,
          channel: 'stable',
          rpms: testing.files,
          promoted: true,
        });
        stableUrl = stable.url;
        promoted(deps.store, b, stable.url);
      }
      const o: CheckOutcome = {
        ...where,
        state: recorded?.state ?? 'not-run',
        testingUrl: testing.url,
        stableUrl,
        failed: recorded?.checks.find((c) => !c.passed)?.name ?? null,
      };
      unit.log.info({ ...o }, 'build tested');
      outcome(o);
      return done(o);
    },
  };
}

function promoted(store: Store, b: BuildRecord, stableUrl: string): void {
  store.atomically(() => {
    store.checks.recordPromotion(b.id, stableUrl);
    queueStatusRefresh(store, b, `promoted:${b.id}`);
  });
}

/** What a test run found, as recorded; null: this machine cannot run the target's packages. */
function recordOf(result: SmokeResult | null, platform: string, arches: readonly string[], here: string) {
  if (result === null)
    return {
      state: 'not-run' as const,
      packages: [],
      checks: [],
      tail: `not tested: this machine runs ${here}, and ${platform} builds ${arches.join(' ')}`,
    };
  if (!result.installed)
    return { state: 'not-installed' as const, packages: [], checks: [], tail: result.tail };
  return {
    state: result.checks.every((c) => c.passed) ? ('passed' as const) : ('failed' as const),
    packages: result.packages,
    checks: result.checks,
    tail: null,
  };
}
