import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildUnit, unitKey, type BuildUnit } from '../../work/units.ts';
import { done, type UnitHandler, type UnitOutcome } from '../../work/worker.ts';
import { PatchferryError, errorMessage } from '../../shared/errors.ts';
import type { Deps } from '../deps.ts';
import { queueStatusRefresh } from '../report/status.ts';

export interface BuildFilter {
  readonly project?: string;
  readonly branch?: string;
  readonly platform?: string;
  /** Build every configured branch (the nightly job), not only branches that received series. */
  readonly all?: boolean;
}

export interface BuildOutcome {
  readonly project: string;
  readonly branch: string;
  readonly platform: string;
  readonly commit: string;
  readonly ok: boolean;
  readonly rpms: readonly string[];
  readonly error: string | null;
  readonly logPath: string | null;
  /** Built before (a retried or nightly job): nothing was built again. */
  readonly reused: boolean;
}

type BuildDeps = Pick<Deps, 'config' | 'log' | 'store' | 'repository' | 'clock'>;

/** A branch whose tip could not be read (its repository did not answer): built by the next run. */
export interface SkippedBranch {
  readonly project: string;
  readonly branch: string;
  readonly error: string;
}

/**
 * Queues a build unit for the tip of each branch that needs one (branches that received series
 * since their last build, or every configured branch with `all`), for every platform of its
 * project. A platform already built at that commit is reused; a failed build is tried again.
 * Returns the reused ones, and the branches skipped because their tip could not be read.
 */
export async function queueBuilds(
  deps: BuildDeps,
  filter: BuildFilter = {},
): Promise<{ reused: BuildOutcome[]; skipped: SkippedBranch[] }> {
  const reused: BuildOutcome[] = [];
  const skipped: SkippedBranch[] = [];
  for (const { project, branch } of branchesToBuild(deps, filter)) {
    const proj = deps.config.projects[project];
    if (!proj) continue;
    let commit: string;
    try {
      commit = await deps.repository.branchTip(project, proj.git, branch);
    } catch (err) {
      deps.log.warn({ project, branch, err: errorMessage(err) }, 'cannot read the branch to build; next run');
      skipped.push({ project, branch, error: errorMessage(err) });
      continue;
    }
    deps.store.atomically(() => {
      for (const platform of proj.platforms) {
        if (filter.platform && filter.platform !== platform) continue;
        const unit: BuildUnit = { project, branch, commit, platform };
        const built = deps.store.builds.find(unit);
        if (built?.state === 'succeeded') {
          reused.push({
            ...unit,
            ok: true,
            rpms: built.rpms,
            error: null,
            logPath: built.logPath,
            reused: true,
          });
          continue;
        }
        const key = unitKey.build(unit);
        // A build that failed before is asked for again: the fix may be in the builder, not the code.
        if (!deps.store.work.enqueue({ kind: 'build', key, payload: unit }) && built?.state === 'failed')
          deps.store.work.reopen(key);
      }
      // The series applied to the branch since its last build are in this one, once every platform
      // is asked for: a build narrowed to one platform leaves the branch to build for the others.
      if (!filter.platform) deps.store.series.markBuilt(project, branch, commit);
    });
  }
  return { reused, skipped };
}

/** The unit that builds one commit for one target, and queues its publication. */
export function buildHandler(
  deps: Pick<Deps, 'config' | 'log' | 'store' | 'repository' | 'builder'>,
  outcome: (o: BuildOutcome) => void,
): UnitHandler<BuildUnit> {
  return {
    schema: buildUnit,
    async run(u, unit): Promise<UnitOutcome> {
      const proj = deps.config.projects[u.project];
      const platform = deps.config.platforms[u.platform];
      if (!proj || !platform)
        throw new PatchferryError(
          'config_target_gone',
          `${u.project}/${u.platform} is no longer configured; the build of ${u.commit.slice(0, 12)} is dropped`,
        );
      const record = deps.store.atomically(() => {
        const started = deps.store.builds.start({ ...u, arch: platform.arch });
        queueStatusRefresh(deps.store, u, `build:${started.id}:${unit.attempt}:started`);
        return started;
      });
      const tree = join(deps.config.workDir, 'trees', u.project, `${u.commit}-${u.platform}`);
      try {
        await rm(tree, { recursive: true, force: true });
        await deps.repository.exportTree(u.project, proj.git, u.commit, tree);
        const result = await deps.builder.build({
          project: u.project,
          branch: u.branch,
          commit: u.commit,
          platform: { name: u.platform, ...platform },
          spec: proj.spec,
          tree,
          // A directory per attempt: a build a killed run left behind never shares it with this one.
          outDir: join(deps.config.workDir, 'builds', String(record.id), `attempt-${unit.attempt}`),
          signal: unit.signal,
        });
        const rpms = result.ok ? [...result.rpms, ...(result.srpm ? [result.srpm] : [])] : [];
        const error = result.ok ? null : result.error;
        deps.store.atomically(() => {
          deps.store.builds.finish(record.id, {
            state: result.ok ? 'succeeded' : 'failed',
            logPath: result.logPath,
            rpms,
            error,
          });
          queueStatusRefresh(deps.store, u, `build:${record.id}:${unit.attempt}:finished`);
          if (result.ok)
            deps.store.work.enqueue({
              kind: 'publish',
              key: unitKey.publish(record.id),
              payload: { buildId: record.id },
            });
        });
        const o = { ...u, ok: result.ok, rpms, error, logPath: result.logPath, reused: false };
        outcome(o);
        return done(o);
      } catch (err) {
        // The builder itself failed (not the package): recorded as failed so that reports can
        // settle if the unit dies; a retry starts the record again.
        deps.store.builds.finish(record.id, {
          state: 'failed',
          logPath: null,
          rpms: [],
          error: errorMessage(err),
        });
        throw err;
      } finally {
        await rm(tree, { recursive: true, force: true });
      }
    },
  };
}

function branchesToBuild(deps: BuildDeps, filter: BuildFilter): { project: string; branch: string }[] {
  const wanted = filter.all
    ? Object.entries(deps.config.projects).flatMap(([project, p]) =>
        p.branches.map((branch) => ({ project, branch })),
      )
    : deps.store.series.unbuiltBranches();
  return wanted.filter(
    (t) =>
      (!filter.project || t.project === filter.project) && (!filter.branch || t.branch === filter.branch),
  );
}
