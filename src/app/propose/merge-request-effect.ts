import type { Forge } from '../../ports/forge.ts';
import { parseSeriesFooter, renderSuperseded } from '../../render/merge-request.ts';
import type { ForgeEffect } from '../../work/effects.ts';
import { queueForge } from '../../work/outbox.ts';
import type { Deps } from '../deps.ts';

export interface Proposal {
  readonly series: string;
  readonly project: string;
  readonly branch: string;
  readonly sourceBranch: string;
  readonly url: string;
  /** opened: a new MR; updated: a new version force-pushed to an open one; unchanged: nothing to do. */
  readonly action: 'opened' | 'updated' | 'unchanged';
}

type Effect = Extract<ForgeEffect, { type: 'merge-request' }>;

/**
 * Opens the series' merge request, or brings the open one to this version. The MR is found by its
 * source branch, so a retry after a crash finds the one it opened; its footer names the series
 * version it shows, so a version already shown changes nothing. The previous version's record is
 * retired: the same MR moved on, or (another target) its MR is closed with a comment.
 */
export async function ensureMergeRequest(
  deps: Pick<Deps, 'config' | 'log' | 'store'>,
  forge: Forge,
  forgePath: string,
  e: Effect,
): Promise<Proposal> {
  const { store } = deps;
  const previous = e.previous ? store.mergeRequests.get(e.previous) : undefined;
  let action: Proposal['action'] = 'unchanged';
  let mr = await forge.findBySourceBranch(forgePath, e.sourceBranch);
  if (!mr || mr.state !== 'open') {
    mr = await forge.open(forgePath, e.sourceBranch, {
      title: e.title,
      description: e.description,
      targetBranch: e.targetBranch,
    });
    action = 'opened';
  } else if (parseSeriesFooter(mr.description)?.series !== e.seriesId) {
    // The open MR shows an earlier version. An identical resend (same commits) changes nothing.
    if (previous?.head !== e.head) {
      if (e.newVersionNote) {
        // Queued before the update: once the MR shows this version, nothing would queue it again.
        const marker = `mr:${e.seriesId}:posted`;
        queueForge(store.work, marker, {
          type: 'merge-request-note',
          seriesId: e.seriesId,
          marker,
          body: e.newVersionNote,
        });
      }
      mr = await forge.update(forgePath, mr.number, { title: e.title, description: e.description });
      action = 'updated';
    }
  }
  const url = mr.url;
  const number = mr.number;
  // One transaction: the MR recorded, the previous version retired, the status note on its way.
  store.atomically(() => {
    store.mergeRequests.save({
      seriesId: e.seriesId,
      forge: forge.kind,
      project: e.project,
      sourceBranch: e.sourceBranch,
      targetBranch: e.targetBranch,
      url,
      number,
      state: 'open',
      base: e.base,
      head: e.head,
    });
    if (previous) {
      store.series.setState(previous.seriesId, 'superseded');
      if (previous.targetBranch !== e.targetBranch && previous.state === 'open') {
        queueForge(store.work, `mr:${previous.seriesId}:superseded`, {
          type: 'close-merge-request',
          seriesId: previous.seriesId,
          note: renderSuperseded({ version: e.version, targetBranch: e.targetBranch, url }),
        });
      }
      // Its record no longer tracks an MR: the same MR moved on to this version, or it is closed.
      store.mergeRequests.setState(previous.seriesId, 'closed');
    }
    queueForge(store.work, `status:${e.seriesId}:proposed`, { type: 'status-note', seriesId: e.seriesId });
  });
  deps.log.info(
    { series: e.seriesId, project: e.project, sourceBranch: e.sourceBranch, url, action },
    'series proposed',
  );
  return {
    series: e.seriesId,
    project: e.project,
    branch: e.targetBranch,
    sourceBranch: e.sourceBranch,
    url,
    action,
  };
}
