import type { Forge } from '../ports/forge.ts';
import { findBaseCommit } from '../mail/body.ts';
import { formatAddress } from '../mail/mail.ts';
import { mailInfo } from '../mail/mailinfo.ts';
import { orderedPatches, type Series } from '../series/series.ts';
import {
  parseSeriesFooter,
  renderMergeRequest,
  renderNewVersion,
  renderSuperseded,
  renderVersionFailed,
} from '../report/merge-request.ts';
import { errorMessage } from '../shared/errors.ts';
import type { MergeRequestRecord } from '../store/merge-request-records.ts';
import { patchesOf, recordFailure, type ApplyOutcomes, type SeriesJob } from './apply.ts';
import type { Context } from './context.ts';

export interface Proposal {
  readonly series: string;
  readonly project: string;
  readonly branch: string;
  readonly sourceBranch: string;
  readonly url: string;
  /** opened: a new MR; updated: a new version force-pushed to an open one; unchanged: nothing to do. */
  readonly action: 'opened' | 'updated' | 'unchanged';
}

/** Merge-request mode: the series goes onto a branch of its own, `patchferry/<target>/<slug>`, and
 * is proposed as a merge request into its target branch. A new version force-pushes the same branch
 * so the MR follows the series, with a comment holding the range-diff; a version for another target
 * closes the old MR. Commits are reproducible, so running this twice pushes and opens nothing twice. */
export async function proposeSeries(
  ctx: Context,
  forge: Forge,
  job: SeriesJob,
  summary: ApplyOutcomes & { proposed: Proposal[] },
): Promise<void> {
  const { series, project, branch } = job;
  const projectConfig = ctx.config.projects[project];
  const forgePath = projectConfig?.forgePath;
  if (!projectConfig || !forgePath) return;
  const own = ctx.store.mergeRequests.get(series.id);
  const previous = own ? undefined : previousProposal(ctx, series);
  const sameTarget = previous?.targetBranch === branch;
  const sourceBranch =
    own?.sourceBranch ??
    (previous && sameTarget ? previous.sourceBranch : freshBranch(ctx, project, branch, series.title));

  const result = await ctx.applier.apply({
    project,
    gitUrl: projectConfig.git,
    branch,
    workName: series.id,
    patches: patchesOf(job),
    pushTo: { branch: sourceBranch, force: true },
    baseCommit: baseCommitOf(job),
    reproducible: true,
    keepAs: series.id,
  });
  if (!result.ok) {
    await recordFailure(ctx, job, result, summary);
    if (previous?.state === 'open' && sameTarget) {
      await forge.comment(
        forgePath,
        previous.number,
        renderVersionFailed({ version: series.version, ...result }),
      );
    }
    return;
  }

  const text = renderMergeRequest({
    seriesId: series.id,
    title: series.title,
    version: series.version,
    sender: series.sender,
    summary: summaryOf(job),
    patches: orderedPatches(series).map((p, i) => ({
      part: i + 1,
      subject: p.tag.title,
      messageId: p.messageId,
    })),
    messageIds: job.members.map((m) => m.messageId),
    archiveUrl: ctx.config.reporter.archiveUrl,
    baseNote: result.baseNote,
  });
  let action: Proposal['action'] = 'unchanged';
  let mr = await forge.findBySourceBranch(forgePath, sourceBranch);
  if (!mr || mr.state !== 'open') {
    mr = await forge.open(forgePath, sourceBranch, { ...text, targetBranch: branch });
    action = 'opened';
  } else if (parseSeriesFooter(mr.description)?.series !== series.id) {
    // The open MR shows an earlier version. An identical resend (same commits) changes nothing.
    if (previous?.head !== result.head) {
      mr = await forge.update(forgePath, mr.number, { title: text.title, description: text.description });
      const rangeDiff = previous
        ? await ctx.repository
            .rangeDiff(project, projectConfig.git, previous.seriesId, series.id)
            .catch((err: unknown) => {
              ctx.log.warn(
                { series: series.id, err: errorMessage(err) },
                'no range-diff against the previous version',
              );
              return null;
            })
        : null;
      await forge.comment(
        forgePath,
        mr.number,
        renderNewVersion({
          version: series.version,
          patches: series.total,
          rangeDiff,
          baseNote: result.baseNote,
        }),
      );
      action = 'updated';
    }
  }
  if (previous)
    await retire(ctx, forge, forgePath, previous, sameTarget, {
      version: series.version,
      branch,
      url: mr.url,
    });
  // One transaction: a crash cannot leave the MR recorded while the series' mails still look new.
  ctx.store.atomically(() => {
    ctx.store.mergeRequests.save({
      seriesId: series.id,
      forge: forge.kind,
      project,
      sourceBranch,
      targetBranch: branch,
      url: mr.url,
      number: mr.number,
      state: 'open',
      base: result.base,
      head: result.head,
    });
    ctx.store.series.setState(series.id, 'applied');
    for (const m of job.members) ctx.store.mails.setState(m.messageId, 'final', 'proposed', mr.url, m.kind);
  });
  summary.proposed.push({ series: series.id, project, branch, sourceBranch, url: mr.url, action });
  ctx.log.info({ series: series.id, project, branch, sourceBranch, url: mr.url, action }, 'series proposed');
}

/** The previous version's proposal, once the new one took over: its record no longer tracks an MR
 * (the same MR moved on, or it was closed because the new version targets another branch). */
async function retire(
  ctx: Context,
  forge: Forge,
  forgePath: string,
  previous: MergeRequestRecord,
  sameTarget: boolean,
  next: { version: number; branch: string; url: string },
): Promise<void> {
  ctx.store.series.setState(previous.seriesId, 'superseded');
  if (!sameTarget && previous.state === 'open') {
    const old = await forge.get(forgePath, previous.number);
    if (old.state === 'open') {
      await forge.comment(
        forgePath,
        previous.number,
        renderSuperseded({ version: next.version, targetBranch: next.branch, url: next.url }),
      );
      await forge.close(forgePath, previous.number);
    }
  }
  ctx.store.mergeRequests.setState(previous.seriesId, 'closed');
}

/** Merge requests a reviewer merged since the last look: each becomes an application of its series
 * to the target branch, which the build stage then builds. Closed ones are noted and left. */
export async function detectMerges(
  ctx: Context,
  forge: Forge,
): Promise<{ series: string; url: string; commit: string }[]> {
  const merged: { series: string; url: string; commit: string }[] = [];
  for (const record of ctx.store.mergeRequests.open()) {
    const forgePath = ctx.config.projects[record.project]?.forgePath;
    if (!forgePath) continue;
    const mr = await forge.get(forgePath, record.number);
    if (mr.state === 'open') continue;
    if (mr.state === 'closed') {
      ctx.store.mergeRequests.setState(record.seriesId, 'closed');
      continue;
    }
    const commit = recordMerge(ctx, record, mr.mergeSha);
    merged.push({ series: record.seriesId, url: record.url, commit });
    ctx.log.info({ series: record.seriesId, url: record.url, commit }, 'merge request merged');
  }
  return merged;
}

/** A merged MR becomes an application of its series to the target branch: the build stage builds
 * that branch next, and the series report follows the builds. Returns the merged commit. */
export function recordMerge(ctx: Context, record: MergeRequestRecord, mergeSha: string | null): string {
  const commit = mergeSha ?? record.head ?? '';
  ctx.store.atomically(() => {
    ctx.store.mergeRequests.setState(record.seriesId, 'merged');
    ctx.store.series.recordApplication({
      seriesId: record.seriesId,
      project: record.project,
      branch: record.targetBranch,
      state: 'applied',
      baseCommit: record.base,
      headCommit: commit,
      failedPart: null,
      detail: JSON.stringify({ mergeRequest: record.url }),
    });
  });
  return commit;
}

/** The proposal of the nearest earlier version of the series that was proposed. */
function previousProposal(ctx: Context, series: Series): MergeRequestRecord | undefined {
  const seen = new Set<string>();
  for (let id = series.supersedes; id && !seen.has(id); id = ctx.store.series.get(id)?.supersedes ?? null) {
    seen.add(id);
    const record = ctx.store.mergeRequests.get(id);
    if (record) return record;
  }
  return undefined;
}

/** `patchferry/<target>/<slug>`, with -2, -3 … when another series already has that name. */
function freshBranch(ctx: Context, project: string, target: string, title: string): string {
  const slug =
    title
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 48)
      .replace(/-+$/, '') || 'series';
  const base = `patchferry/${target}/${slug}`;
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}-${n}`;
    if (!ctx.store.mergeRequests.branchTaken(project, name)) return name;
  }
}

/** `base-commit:` from the cover letter, else from the last patch (git format-patch --base). */
function baseCommitOf(job: SeriesJob): string | null {
  const patches = orderedPatches(job.series);
  const carriers = [job.series.cover, patches.at(-1)].filter((m) => m !== null && m !== undefined);
  for (const m of carriers) {
    const text = job.mails.get(m.messageId)?.text;
    const found = text ? findBaseCommit(text) : null;
    if (found) return found;
  }
  return null;
}

/** What the MR description opens with: the cover letter's text, or a single patch's message. */
function summaryOf(job: SeriesJob): string | null {
  const { cover } = job.series;
  if (cover) return coverText(job.mails.get(cover.messageId)?.text ?? '');
  const patches = orderedPatches(job.series);
  const [only] = patches;
  if (patches.length !== 1 || !only) return null;
  const mail = job.mails.get(only.messageId);
  if (!mail) return null;
  // The commit message as `git am` makes it: a forwarded patch's in-body From:/Subject: lines are
  // headers for git, not part of the message.
  const info = mailInfo({ from: formatAddress(mail.from), subject: mail.subject, date: '', text: mail.text });
  return info.message.trim() || null;
}

/** A cover letter without git's diffstat and signature. */
function coverText(text: string): string | null {
  const cut = text.search(/^(?:\S.* \| +\d+ [+-]*$|-- $)/m);
  return (cut >= 0 ? text.slice(0, cut) : text).trim() || null;
}
