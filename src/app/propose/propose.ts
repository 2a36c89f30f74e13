import type { MergeRequestRecord, Store } from '../../ports/store.ts';
import { renderMergeRequest, renderNewVersion, renderVersionFailed } from '../../render/merge-request.ts';
import { branchSlug } from '../../render/slug.ts';
import { PatchferryError, errorMessage } from '../../shared/errors.ts';
import { queueForge } from '../../work/outbox.ts';
import type { SeriesPlan } from '../../work/units.ts';
import { patchesOf, recordFailure, type SeriesJob, type SeriesOutcome } from '../apply/apply.ts';
import type { Deps } from '../deps.ts';
import { queuePrebuilds } from '../build/prebuild.ts';
import { finalMails } from '../series/final-mails.ts';

type ProposeDeps = Pick<Deps, 'config' | 'log' | 'store' | 'applier' | 'repository' | 'clock'>;

/**
 * Merge-request mode: the series goes onto a branch of its own, `patchferry/<target>/<slug>`,
 * force-pushed so that every version of the series replaces the last; its merge request is opened
 * or updated through the outbox (a `merge-request` effect), with the range-diff against the version
 * it replaces. Commits are reproducible, so running this twice pushes and opens nothing twice.
 */
export async function proposeSeries(deps: ProposeDeps, job: SeriesJob): Promise<SeriesOutcome> {
  const { plan } = job;
  const { store } = deps;
  const { seriesId, project, branch } = plan;
  const projectConfig = deps.config.projects[project];
  if (!projectConfig?.forgePath) {
    throw new PatchferryError(
      'config_no_forge_path',
      `project ${project} has no forgePath: set projects.${project}.forgePath to its path on the forge`,
    );
  }
  const own = store.mergeRequests.get(seriesId);
  const previous = own ? undefined : previousProposal(store, plan);
  const sameTarget = previous?.targetBranch === branch;
  const sourceBranch =
    own?.sourceBranch ??
    store.mergeRequests.reservedBranch(seriesId) ??
    (previous && sameTarget
      ? handOver(store, project, previous, seriesId)
      : freshBranch(store, project, branch, plan.title, seriesId));

  const result = await deps.applier.apply({
    project,
    gitUrl: projectConfig.git,
    branch,
    workName: seriesId,
    patches: patchesOf(job),
    pushTo: { branch: sourceBranch, force: true },
    baseCommit: plan.baseCommit,
    reproducible: true,
    keepAs: seriesId,
    ...(job.signal ? { signal: job.signal } : {}),
  });
  if (!result.ok) {
    return store.atomically(() => {
      if (previous?.state === 'open' && sameTarget) {
        const marker = `mr:${seriesId}:does-not-apply`;
        queueForge(store.work, marker, {
          type: 'merge-request-note',
          seriesId: previous.seriesId,
          marker,
          body: renderVersionFailed({ version: plan.version, ...result }),
        });
      }
      return recordFailure(deps, job, result);
    });
  }

  const text = renderMergeRequest({
    seriesId,
    title: plan.title,
    version: plan.version,
    sender: plan.sender,
    summary: plan.summary,
    patches: plan.patches.map((p) => ({ part: p.part, subject: p.subject, messageId: p.messageId })),
    messageIds: plan.members.map((m) => m.messageId),
    archiveUrl: deps.config.reporter.archiveUrl,
    baseNote: result.baseNote,
    authenticity: plan.authenticity,
    report: {
      subject: plan.head.subject,
      from: plan.sender,
      patches: plan.patches.map((p) => p.subject),
      references: plan.head.references,
      base: result.base,
      head: result.head,
    },
  });
  const rangeDiff =
    previous && sameTarget
      ? await deps.repository
          .rangeDiff(project, projectConfig.git, previous.seriesId, seriesId)
          .catch((err: unknown) => {
            deps.log.warn(
              { series: seriesId, err: errorMessage(err) },
              'no range-diff against the previous version',
            );
            return null;
          })
      : null;
  // One transaction: the branch is pushed; the series' mails are final once its MR is on its way.
  store.atomically(() => {
    store.series.setState(seriesId, 'applied');
    finalMails(store, plan.members, 'proposed', sourceBranch);
    queueForge(store.work, `mr:${seriesId}:proposed`, {
      type: 'merge-request',
      seriesId,
      version: plan.version,
      project,
      sourceBranch,
      targetBranch: branch,
      title: text.title,
      description: text.description,
      base: result.base,
      head: result.head,
      previous: previous?.seriesId ?? null,
      newVersionNote:
        previous && sameTarget
          ? renderNewVersion({
              version: plan.version,
              patches: plan.total,
              rangeDiff,
              baseNote: result.baseNote,
            })
          : null,
    });
    // Reviewers see whether this version builds before they merge it (projects.<p>.prebuild).
    queuePrebuilds(deps, { seriesId, project, sourceBranch, head: result.head });
  });
  deps.log.info({ series: seriesId, project, branch, sourceBranch }, 'series pushed for its merge request');
  return { type: 'pushed', series: seriesId, sourceBranch };
}

/** The proposal of the nearest earlier version of the series that was proposed. */
function previousProposal(store: Store, plan: SeriesPlan): MergeRequestRecord | undefined {
  const seen = new Set<string>();
  for (let id = plan.supersedes; id && !seen.has(id); id = store.series.get(id)?.supersedes ?? null) {
    seen.add(id);
    const record = store.mergeRequests.get(id);
    if (record) return record;
  }
  return undefined;
}

/** A new version for the same target takes over its previous version's branch (and so its MR). */
function handOver(store: Store, project: string, previous: MergeRequestRecord, seriesId: string): string {
  store.mergeRequests.reserveBranch(project, previous.sourceBranch, seriesId, previous.seriesId);
  return previous.sourceBranch;
}

/** `patchferry/<target>/<slug>`, with -2, -3 … when another series already has that name. */
function freshBranch(store: Store, project: string, target: string, title: string, seriesId: string): string {
  const base = `patchferry/${target}/${branchSlug(title)}`;
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}-${n}`;
    if (store.mergeRequests.reserveBranch(project, name, seriesId)) return name;
  }
}
