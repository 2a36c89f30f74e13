import { unitKey, type BuildUnit } from '../../work/units.ts';
import { PatchferryError, errorMessage } from '../../shared/errors.ts';
import type { Deps } from '../deps.ts';

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

/** A branch whose tip could not be read: built by the next run when its repository did not answer;
 * `lasting` when no later run helps until someone fixes the cause (the branch is missing). */
export interface SkippedBranch {
  readonly project: string;
  readonly branch: string;
  readonly error: string;
  readonly lasting?: boolean;
}

/** A branch skipped for `err`: lasting when the error says a retry does not help. */
export function skippedBranch(project: string, branch: string, err: unknown): SkippedBranch {
  return {
    project,
    branch,
    error: errorMessage(err),
    lasting: err instanceof PatchferryError && !err.retryable,
  };
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
      skipped.push(skippedBranch(project, branch, err));
      continue;
    }
    deps.store.atomically(() => {
      for (const platform of proj.platforms) {
        if (filter.platform && filter.platform !== platform) continue;
        const earlier = queueBuild(deps, { project, branch, commit, platform });
        if (earlier) reused.push(earlier);
      }
      // The series applied to the branch since its last build are in this one, once every platform
      // is asked for: a build narrowed to one platform leaves the branch to build for the others.
      if (!filter.platform) deps.store.series.markBuilt(project, branch, commit);
    });
  }
  return { reused, skipped };
}

/**
 * Queues the build of one target at one commit, unless it succeeded before: then that build is
 * returned (reused) and nothing is queued. A build that failed before is asked for again: the fix
 * may be in the builder, not the code.
 */
export function queueBuild(
  deps: Pick<Deps, 'store'>,
  target: { project: string; branch: string; commit: string; platform: string },
): BuildOutcome | null {
  const unit: BuildUnit = { ...target, scratch: false, seriesId: null };
  const built = deps.store.builds.find(unit);
  if (built?.state === 'succeeded') {
    return { ...target, ok: true, rpms: built.rpms, error: null, logPath: built.logPath, reused: true };
  }
  const key = unitKey.build(unit);
  if (!deps.store.work.enqueue({ kind: 'build', key, payload: unit }) && built?.state === 'failed')
    deps.store.work.reopen(key);
  return null;
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
