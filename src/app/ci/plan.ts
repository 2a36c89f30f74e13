import type { Config } from '../../config/schema.ts';
import { UsageError } from '../../shared/errors.ts';
import type { PipelineEvent } from './event.ts';

/** One target of one branch a pipeline job builds; `commit` null means the branch's tip. */
export interface PlannedBuild {
  readonly project: string;
  readonly branch: string;
  readonly commit: string | null;
  readonly platform: string;
}

/** What a job builds, and why it leaves the rest (one line each, for the job's log). */
export interface BuildPlan {
  readonly builds: readonly PlannedBuild[];
  readonly skipped: readonly string[];
}

/**
 * Decides what a pipeline job builds, as ci/templates/rpm-pipeline.yml describes it:
 * - a push to a tracked branch (a merged request) or a merged-results pipeline builds that commit;
 *   a push to any other branch builds nothing;
 * - a schedule or the Run pipeline button builds the tip of every tracked branch, narrowed by the
 *   form's PROJECT, BRANCH and PLATFORMS. In a repository patchferry manages, only its project; in
 *   any other repository (a central jobs repository), every project.
 * A job of a `parallel:matrix` builds only its own PLATFORM. Pure.
 * Throws UsageError for a PROJECT, BRANCH or PLATFORMS entry the configuration does not have (a
 * typo in the Run pipeline form), a pipeline commit that is no commit id, a push in a repository
 * no project names by forgePath, and a matrix PLATFORM none of the projects builds: each fails the
 * job instead of building nothing in green.
 */
export function planBuilds(event: PipelineEvent, config: Config): BuildPlan {
  const skipped: string[] = [];
  const own = ownProject(event, config);
  if (event.source === 'other') return { builds: [], skipped: ['this kind of pipeline builds nothing'] };
  if (event.narrow.project !== null && !config.projects[event.narrow.project]) {
    throw new UsageError(
      `ci: PROJECT=${event.narrow.project} is not a project of the configuration (${Object.keys(config.projects).join(', ')})`,
    );
  }
  const known = event.narrow.project !== null ? [event.narrow.project] : Object.keys(config.projects);
  const branches = new Set(known.flatMap((p) => config.projects[p]?.branches ?? []));
  if (event.narrow.branch !== null && !branches.has(event.narrow.branch))
    throw new UsageError(
      `ci: BRANCH=${event.narrow.branch} is not a tracked branch of ${known.join(', ')} (${[...branches].join(', ')})`,
    );
  const platforms = new Set(known.flatMap((p) => config.projects[p]?.platforms ?? []));
  const unknown = (event.narrow.platforms ?? []).filter((p) => !platforms.has(p));
  if (unknown.length > 0)
    throw new UsageError(
      `ci: PLATFORMS names ${unknown.join(', ')}, not a platform of ${known.join(', ')} (${[...platforms].join(', ')})`,
    );
  const byEvent = event.source === 'push' || event.source === 'merge_request_event';
  if (byEvent && event.commit !== null && !COMMIT_ID.test(event.commit))
    throw new UsageError(
      `ci: the pipeline's commit "${event.commit}" is not a commit id (hexadecimal, as CI_COMMIT_SHA and GITHUB_SHA give it)`,
    );
  // The template included by a repository the configuration does not name: a setting missing,
  // which a green job that built nothing would hide.
  if (byEvent && own === null)
    throw new UsageError(
      `ci: no project has forgePath ${event.repositoryPath ?? '(unknown)'}: a ${event.source} pipeline builds only a repository patchferry manages (set projects.<name>.forgePath)`,
    );
  const projects =
    event.narrow.project !== null
      ? [event.narrow.project]
      : own !== null
        ? [own]
        : Object.keys(config.projects);
  // A matrix job's PLATFORM that none of these projects builds: the template's `platforms` input
  // and patchferry.yml disagree.
  if (
    event.platform !== null &&
    !projects.some((p) => config.projects[p]?.platforms.includes(event.platform ?? ''))
  )
    throw new UsageError(
      `ci: the job's PLATFORM=${event.platform} is not a platform of ${projects.join(', ')} (${[...new Set(projects.flatMap((p) => config.projects[p]?.platforms ?? []))].join(', ')}): make the template's platforms input and patchferry.yml agree`,
    );
  const builds: PlannedBuild[] = [];
  for (const project of projects) {
    const p = config.projects[project];
    if (!p) continue;
    const wanted = byEvent ? [event.branch] : [event.narrow.branch];
    const branches = wanted[0] === null ? (byEvent ? [] : p.branches) : wanted.filter((b) => b !== null);
    for (const branch of branches) {
      if (!p.branches.includes(branch)) {
        skipped.push(`${project}: ${branch} is not a tracked branch (${p.branches.join(', ')})`);
        continue;
      }
      for (const platform of targetsOf(p.platforms, event, `${project}/${branch}`, skipped))
        builds.push({ project, branch, commit: byEvent ? event.commit : null, platform });
    }
  }
  return { builds, skipped };
}

/** A full or abbreviated commit id (SHA-1 or SHA-256), and nothing git would read as an option. */
const COMMIT_ID = /^[0-9a-f]{4,64}$/i;

/** The project whose forgePath is the pipeline's repository, if any. */
function ownProject(event: PipelineEvent, config: Config): string | null {
  if (event.repositoryPath === null) return null;
  const path = event.repositoryPath.toLowerCase();
  const found = Object.entries(config.projects).find(([, p]) => p.forgePath?.toLowerCase() === path);
  return found ? found[0] : null;
}

function targetsOf(
  platforms: readonly string[],
  event: PipelineEvent,
  where: string,
  skipped: string[],
): string[] {
  const mine = event.platform === null ? platforms : platforms.filter((p) => p === event.platform);
  if (event.platform !== null && mine.length === 0)
    skipped.push(`${where}: ${event.platform} is not one of its platforms (${platforms.join(', ')})`);
  const asked = event.narrow.platforms;
  if (asked === null) return [...mine];
  const narrowed = mine.filter((p) => asked.includes(p));
  for (const p of mine)
    if (!asked.includes(p)) skipped.push(`${where}: ${p} not asked for (PLATFORMS=${asked.join(',')})`);
  return narrowed;
}
