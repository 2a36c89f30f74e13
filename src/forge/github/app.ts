import type { ApplicationFunction } from 'probot';
import { ForgeError, type Forge } from '../../ports/forge.ts';
import { parseSeriesFooter } from '../../render/merge-request.ts';
import { describeIssues } from '../../shared/describe-issues.ts';
import type { Logger } from '../../shared/log.ts';
import { githubForge } from './index.ts';
import { closedPullRequestEventSchema } from './schema.ts';

/** What the app asks of patchferry; the pipeline answers. */
export interface GitHubAppHandlers {
  /** A pull request patchferry opened was merged; `forge` speaks for the app's installation on
   * that repository, with the token probot made for it. */
  merged(event: { repository: string; number: number; mergeSha: string | null }, forge: Forge): Promise<void>;
}

/**
 * patchferry as a GitHub App (probot): installed on the repositories patchferry proposes series to,
 * it hears when a reviewer merges one of its pull requests, so the build starts at once instead of
 * at the next sync. app.yml at the repository root lists the events and permissions it needs.
 * Pull requests without patchferry's footer are not its business and are left alone.
 */
export function githubApp(handlers: GitHubAppHandlers, log: Logger): ApplicationFunction {
  return (app) => {
    app.on('pull_request.closed', async (context) => {
      const parsed = closedPullRequestEventSchema.safeParse(context.payload);
      if (!parsed.success) {
        throw new ForgeError(
          'forge_invalid',
          `GitHub: a pull_request delivery without the fields patchferry reads (${describeIssues(parsed.error)})`,
          null,
          { cause: parsed.error },
        );
      }
      const { repository, pull_request: pr } = parsed.data;
      if (!pr.merged || !parseSeriesFooter(pr.body ?? '')) return;
      await handlers.merged(
        { repository: repository.full_name, number: pr.number, mergeSha: pr.merge_commit_sha ?? null },
        githubForge({ octokit: context.octokit, log }),
      );
    });
  };
}
