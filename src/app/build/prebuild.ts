import type { Store } from '../../ports/store.ts';
import { failureLabel } from '../../rpm/failure.ts';
import { queueForge } from '../../work/outbox.ts';
import { unitKey, type BuildUnit } from '../../work/units.ts';
import type { Deps } from '../deps.ts';

/**
 * Queues a scratch build of a merge request's head on every target of its project, when the
 * project prebuilds (`prebuild: true`): reviewers see whether a new version of a series
 * builds before they merge it. A version pushed again at the same head queues nothing new.
 */
export function queuePrebuilds(
  deps: Pick<Deps, 'config' | 'store'>,
  p: {
    readonly seriesId: string;
    readonly project: string;
    readonly sourceBranch: string;
    readonly head: string;
  },
): number {
  const proj = deps.config.projects[p.project];
  if (!proj?.prebuild) return 0;
  let queued = 0;
  for (const platform of proj.platforms) {
    const unit: BuildUnit = {
      project: p.project,
      branch: p.sourceBranch,
      commit: p.head,
      platform,
      scratch: true,
      seriesId: p.seriesId,
    };
    if (deps.store.work.enqueue({ kind: 'build', key: unitKey.build(unit), payload: unit })) queued++;
  }
  return queued;
}

/** The name of a prebuild's commit status: one per target, apart from the merged builds' own. */
export function prebuildStatusName(platform: string): string {
  return `patchferry/scratch/${platform}`;
}

/** A scratch build started or finished: its series' status note moves, and the merge request's
 * head gets the target's commit status (running, then success or failed with the failure's class). */
export function queuePrebuildReport(store: Store, u: BuildUnit, buildId: number, event: string): void {
  if (!u.seriesId) return;
  queueForge(store.work, `status:${u.seriesId}:${event}`, { type: 'status-note', seriesId: u.seriesId });
  const b = store.builds.get(buildId);
  if (!b) return;
  const name = prebuildStatusName(u.platform);
  const status =
    b.state === 'running'
      ? { state: 'running' as const, name, description: 'scratch build running' }
      : b.state === 'succeeded'
        ? {
            state: 'success' as const,
            name,
            description: `scratch build: ${b.rpms.filter((r) => !r.endsWith('.src.rpm')).length} RPMs built`,
          }
        : {
            state: 'failed' as const,
            name,
            description: `scratch build failed (${failureLabel(b.failureClass ?? 'patch', b.retries)})${
              b.errorLines.at(-1) ? `: ${b.errorLines.at(-1)}` : ''
            }`.slice(0, 140),
          };
  queueForge(store.work, `status:${u.project}:${u.commit}:${u.platform}:${u.seriesId}:scratch:${event}`, {
    type: 'commit-status',
    seriesId: u.seriesId,
    sha: u.commit,
    status,
  });
}
