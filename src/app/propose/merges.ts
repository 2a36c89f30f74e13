import type { MergeRequestRecord } from '../../ports/store.ts';
import { renderMerged } from '../../render/merge-request.ts';
import { errorMessage } from '../../shared/errors.ts';
import { queueForge } from '../../work/outbox.ts';
import { queueArchive } from '../archive/archive-unit.ts';
import type { Deps } from '../deps.ts';

export interface Merge {
  readonly series: string;
  readonly url: string;
  readonly commit: string;
}

type MergeDeps = Pick<Deps, 'config' | 'log' | 'store' | 'clock'>;

/** Merge requests a reviewer merged since the last look: each becomes an application of its series
 * to the target branch, which the build stage then builds. Closed ones are noted and left. A merge
 * request the forge does not answer for is left for the next look (`unchecked`): one outage never
 * stops the mail from being read. */
export async function detectMerges(
  deps: MergeDeps & Pick<Deps, 'forge'>,
): Promise<{ merged: Merge[]; unchecked: { url: string; error: string }[] }> {
  const { forge, store } = deps;
  const merged: Merge[] = [];
  const unchecked: { url: string; error: string }[] = [];
  if (!forge) return { merged, unchecked };
  for (const record of store.mergeRequests.open()) {
    const forgePath = deps.config.projects[record.project]?.forgePath;
    if (!forgePath) continue;
    let mr;
    try {
      mr = await forge.get(forgePath, record.number);
    } catch (err) {
      deps.log.warn(
        { url: record.url, err: errorMessage(err) },
        'cannot ask the forge about a merge request',
      );
      unchecked.push({ url: record.url, error: errorMessage(err) });
      continue;
    }
    if (mr.state === 'open') continue;
    if (mr.state === 'closed') {
      store.mergeRequests.transition(record.seriesId, 'open', 'closed');
      continue;
    }
    const commit = recordMerge(deps, record, mr.mergeSha);
    if (commit) merged.push({ series: record.seriesId, url: record.url, commit });
  }
  return { merged, unchecked };
}

export interface MergedEvent {
  /** The forge's name of the repository (GitHub owner/name, GitLab group/name). */
  readonly repository: string;
  readonly number: number;
  readonly mergeSha: string | null;
}

/** A forge told us (webhook) that a merge request was merged: recorded as a poll would record it.
 * A merge patchferry already knew of, or an MR that is not patchferry's, changes nothing. Returns
 * whether it acted. */
export function mergeRequestMerged(deps: MergeDeps, event: MergedEvent): boolean {
  const project = Object.entries(deps.config.projects).find(([, p]) => p.forgePath === event.repository)?.[0];
  if (!project) return false;
  const record = deps.store.mergeRequests.byNumber(project, event.number);
  if (!record || record.state !== 'open') return false;
  return recordMerge(deps, record, event.mergeSha) !== null;
}

/**
 * A merged MR becomes an application of its series to the target branch: the build stage builds
 * that branch next, and the MR is told so (a note, and its status note). The record moves from open
 * to merged in the same transaction, and only one caller can move it: a webhook and a poll that
 * see the same merge record it once. Returns the merged commit, or null when it was recorded before.
 */
export function recordMerge(
  deps: MergeDeps,
  record: MergeRequestRecord,
  mergeSha: string | null,
): string | null {
  const { store } = deps;
  const commit = mergeSha ?? record.head ?? '';
  const platforms = deps.config.projects[record.project]?.platforms ?? [];
  const recorded = store.atomically(() => {
    if (!store.mergeRequests.transition(record.seriesId, 'open', 'merged')) return false;
    store.series.recordApplication({
      seriesId: record.seriesId,
      project: record.project,
      branch: record.targetBranch,
      state: 'applied',
      baseCommit: record.base,
      headCommit: commit,
      failedPart: null,
      mergeRequest: record.url,
    });
    // On its target branch now: into the archive of the day's patches.
    queueArchive(store, record.seriesId, deps.clock.now());
    const marker = `mr:${record.seriesId}:merged`;
    queueForge(store.work, marker, {
      type: 'merge-request-note',
      seriesId: record.seriesId,
      marker,
      body: renderMerged({ commit, branch: record.targetBranch, platforms }),
    });
    queueForge(store.work, `status:${record.seriesId}:merged`, {
      type: 'status-note',
      seriesId: record.seriesId,
    });
    return true;
  });
  if (!recorded) return null;
  deps.log.info({ series: record.seriesId, url: record.url, commit }, 'merge request merged');
  return commit;
}
