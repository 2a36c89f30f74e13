import type { StatusFacts, TargetProgress } from '../../render/status-note.ts';
import type { Store } from '../../ports/store.ts';
import { queueForge } from '../../work/outbox.ts';
import type { Deps } from '../deps.ts';
import { archivedUrl } from '../archive/archive-unit.ts';
import { checksSettled } from '../check/checks.ts';
import { buildFactsOf, settled } from './series-report.ts';

/** Where a proposed series stands now, from the store: what its status note says. Null when the
 * series has no merge request. */
export async function statusFacts(
  deps: Pick<Deps, 'config' | 'store' | 'builder'>,
  seriesId: string,
): Promise<StatusFacts | null> {
  const { store } = deps;
  const series = store.series.get(seriesId);
  const mr = store.mergeRequests.get(seriesId);
  if (!series || !mr) return null;
  const app = store.series.application(seriesId);
  const merged = mr.state === 'merged' && app?.mergeRequest ? app.headCommit : null;
  const buildCommit = merged ? (app?.buildCommit ?? null) : null;
  const platforms = deps.config.projects[series.project]?.platforms ?? [];
  const builds = buildCommit ? store.builds.forCommit(series.project, mr.targetBranch, buildCommit) : [];
  const targets: TargetProgress[] = buildCommit
    ? platforms.map((name) => {
        const b = builds.find((x) => x.platform === name);
        const arch = b?.arch ?? deps.config.platforms[name]?.arches.join(' ') ?? '';
        const state: TargetProgress['state'] = !b
          ? 'waiting'
          : b.state === 'running'
            ? 'building'
            : b.state === 'failed'
              ? 'failed'
              : b.publishedUrl
                ? 'published'
                : 'built';
        return { platform: name, arch, state };
      })
    : [];
  const finished =
    buildCommit && settled(platforms, builds, (b) => checksSettled(deps, b))
      ? await Promise.all(builds.map((b) => buildFactsOf(deps, b)))
      : null;
  const prebuilds: TargetProgress[] = mr.head
    ? store.builds
        .forCommit(series.project, mr.sourceBranch, mr.head)
        .filter((b) => b.scratch)
        .map((b) => ({
          platform: b.platform,
          arch: b.arch,
          state: b.state === 'running' ? 'building' : b.state === 'failed' ? 'failed' : 'built',
          detail: b.state === 'failed' ? b.error : null,
        }))
    : [];
  return {
    seriesId,
    version: series.version,
    prebuilds,
    patches: series.total,
    sourceBranch: mr.sourceBranch,
    targetBranch: mr.targetBranch,
    head: mr.head,
    merged,
    buildCommit,
    targets,
    finished,
    archiveUrl: merged ? archivedUrl(store, seriesId) : null,
  };
}

/** Queues the refresh of the status note of every proposed series the build of `commit` of the
 * branch carries: `event` (a build started, finished, published) makes the key, so each moves the
 * note once. */
export function queueStatusRefresh(
  store: Store,
  build: { project: string; branch: string; commit: string },
  event: string,
): void {
  for (const seriesId of store.series.proposedInBuild(build.project, build.branch, build.commit))
    queueForge(store.work, `status:${seriesId}:${event}`, { type: 'status-note', seriesId });
}
