import type { ApplicationFunction } from 'probot';
import { parseSeriesFooter } from '../render/merge-request.ts';

/** What the app asks of patchferry; the pipeline answers (server/ drives no adapter itself). */
export interface GitHubAppHandlers {
  /** A pull request patchferry opened was merged; `octokit` is the installation's client. */
  merged(
    event: { repository: string; number: number; mergeSha: string | null },
    octokit: unknown,
  ): Promise<void>;
}

/**
 * patchferry as a GitHub App (probot): installed on the repositories patchferry proposes series to,
 * it hears when a reviewer merges one of its pull requests, so the build starts at once instead of
 * at the next sync. app.yml at the repository root lists the events and permissions it needs.
 * Pull requests without patchferry's footer are not its business and are left alone.
 */
export function githubApp(handlers: GitHubAppHandlers): ApplicationFunction {
  return (app) => {
    app.on('pull_request.closed', async (context) => {
      const pr = context.payload.pull_request;
      if (!pr.merged || !parseSeriesFooter(pr.body ?? '')) return;
      await handlers.merged(
        {
          repository: context.payload.repository.full_name,
          number: pr.number,
          mergeSha: pr.merge_commit_sha ?? null,
        },
        context.octokit,
      );
    });
  };
}
