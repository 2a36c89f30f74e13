import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { errorMessage } from '../shared/errors.ts';
import type { Context } from './context.ts';

export interface BuildFilter {
  readonly project?: string;
  readonly branch?: string;
  readonly platform?: string;
  /** Build every configured branch (the nightly job), not only branches that received series. */
  readonly all?: boolean;
}

export interface BuildSummary {
  readonly builds: readonly {
    project: string;
    branch: string;
    platform: string;
    commit: string;
    ok: boolean;
    rpms: readonly string[];
    error: string | null;
    logPath: string | null;
    reused: boolean;
  }[];
}

/** Builds the tip of each branch that needs it, for every platform of its project. */
export async function build(ctx: Context, filter: BuildFilter = {}): Promise<BuildSummary> {
  const builds: BuildSummary['builds'][number][] = [];
  for (const { project, branch } of targets(ctx, filter)) {
    const proj = ctx.config.projects[project];
    if (!proj) continue;
    const commit = await ctx.repository.branchTip(project, proj.git, branch);
    const tree = join(ctx.config.workDir, 'trees', project, commit);
    let exported = false;
    for (const platformName of proj.platforms) {
      if (filter.platform && filter.platform !== platformName) continue;
      const platform = ctx.config.platforms[platformName];
      if (!platform) continue;
      const key = { project, branch, commit, platform: platformName, arch: platform.arch };
      const done = ctx.store.builds.find(key);
      if (done?.state === 'succeeded') {
        builds.push({ ...key, ok: true, rpms: done.rpms, error: null, logPath: done.logPath, reused: true });
        continue;
      }
      const record = ctx.store.builds.start(key);
      try {
        if (!exported) {
          await rm(tree, { recursive: true, force: true });
          await ctx.repository.exportTree(project, proj.git, commit, tree);
          exported = true;
        }
        const result = await ctx.builder.build({
          project,
          branch,
          commit,
          platform: { name: platformName, ...platform },
          spec: proj.spec,
          tree,
          outDir: join(ctx.config.workDir, 'builds', String(record.id)),
        });
        const rpms = result.ok ? [...result.rpms, ...(result.srpm ? [result.srpm] : [])] : [];
        const error = result.ok ? null : result.error;
        ctx.store.builds.finish(record.id, {
          state: result.ok ? 'succeeded' : 'failed',
          logPath: result.logPath,
          rpms,
          error,
        });
        builds.push({ ...key, ok: result.ok, rpms, error, logPath: result.logPath, reused: false });
      } catch (err) {
        ctx.store.builds.finish(record.id, {
          state: 'failed',
          logPath: null,
          rpms: [],
          error: errorMessage(err),
        });
        builds.push({ ...key, ok: false, rpms: [], error: errorMessage(err), logPath: null, reused: false });
      }
    }
    if (exported) await rm(tree, { recursive: true, force: true });
    ctx.store.series.markBuilt(project, branch, commit);
  }
  return { builds };
}

function targets(ctx: Context, filter: BuildFilter): { project: string; branch: string }[] {
  const wanted = filter.all
    ? Object.entries(ctx.config.projects).flatMap(([project, p]) =>
        p.branches.map((branch) => ({ project, branch })),
      )
    : ctx.store.series.unbuiltBranches();
  return wanted.filter(
    (t) =>
      (!filter.project || t.project === filter.project) && (!filter.branch || t.branch === filter.branch),
  );
}
