import type { Forge } from '../ports/forge.ts';
import type { Context } from './context.ts';
import { recordMerge } from './propose.ts';

export interface MergedEvent {
  /** The forge's name of the repository (GitHub owner/name, GitLab group/name). */
  readonly repository: string;
  readonly number: number;
  readonly mergeSha: string | null;
}

/** A forge told us (webhook) that a merge request was merged: the series is recorded as applied to
 * its target branch, which the build stage builds next, and the MR says so. A merge patchferry
 * already knew of, or an MR that is not patchferry's, changes nothing. Returns whether it acted. */
export async function mergeRequestMerged(
  ctx: Context,
  event: MergedEvent,
  forge: Forge | null = ctx.forge,
): Promise<boolean> {
  const project = Object.entries(ctx.config.projects).find(([, p]) => p.forgePath === event.repository)?.[0];
  if (!project) return false;
  const record = ctx.store.mergeRequests.byNumber(project, event.number);
  if (!record || record.state !== 'open') return false;
  const commit = recordMerge(ctx, record, event.mergeSha);
  ctx.log.info({ series: record.seriesId, url: record.url, commit }, 'merge request merged (webhook)');
  const platforms = ctx.config.projects[project]?.platforms ?? [];
  await forge?.comment(
    event.repository,
    event.number,
    `Merged as ${commit.slice(0, 12)}. patchferry builds \`${record.targetBranch}\` for ${platforms.join(', ')} next; the results will be reported here and on the list.`,
  );
  return true;
}
