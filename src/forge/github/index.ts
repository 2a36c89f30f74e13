import { Octokit } from 'octokit';
import type { z } from 'zod';
import { errorMessage } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import {
  ForgeError,
  forgeErrorCode,
  type CommitState,
  type Forge,
  type MergeRequest,
} from '../../ports/forge.ts';
import {
  commentListSchema,
  parseAnswer,
  pullRequestListSchema,
  pullRequestSchema,
  type GitHubPullRequest,
} from './schema.ts';

export interface GitHubOptions {
  /** The REST API root: https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise
   * (unused with `octokit`, which knows its own). */
  readonly url?: string;
  /** A personal or installation access token. */
  readonly token?: string;
  /** An Octokit already authenticated, as probot hands one to an app per installation (probot's
   * own Octokit: the adapter needs only its REST methods and paginate). */
  readonly octokit?: Pick<Octokit, 'rest' | 'paginate'>;
  /** GitHub asks integrators to space writes 1-3 s apart, which octokit's throttling does. Only a
   * test against a local server turns it off. */
  readonly throttle?: boolean;
  readonly log: Logger;
}

const STATE: Record<CommitState, 'pending' | 'success' | 'failure'> = {
  pending: 'pending',
  running: 'pending',
  success: 'success',
  failed: 'failure',
};

/** GitHub (or GitHub Enterprise) through octokit, with its retry and rate-limit handling. */
export function githubForge(options: GitHubOptions): Forge {
  const octokit =
    options.octokit ??
    new Octokit({
      auth: options.token,
      baseUrl: (options.url ?? 'https://api.github.com').replace(/\/+$/, ''),
      throttle: {
        enabled: options.throttle ?? true,
        onRateLimit: (retryAfter: number, _opts: unknown, _o: unknown, retryCount: number) => {
          options.log.warn({ retryAfter, retryCount }, 'GitHub rate limit reached');
          return retryCount < 2 && retryAfter <= 15 * 60;
        },
        onSecondaryRateLimit: (retryAfter: number, _opts: unknown, _o: unknown, retryCount: number) => {
          options.log.warn({ retryAfter, retryCount }, 'GitHub secondary rate limit reached');
          return retryCount < 1 && retryAfter <= 5 * 60;
        },
      },
    });
  const repo = (project: string) => {
    const [owner, name, ...rest] = project.split('/');
    if (!owner || !name || rest.length > 0) {
      throw new ForgeError('forge_invalid', `GitHub: "${project}" is not an owner/name repository`, null);
    }
    return { owner, repo: name };
  };

  return {
    kind: 'github',
    async findBySourceBranch(project, sourceBranch) {
      const r = repo(project);
      const [newest] = await read(pullRequestListSchema, `list pull requests of ${project}`, () =>
        octokit.rest.pulls.list({
          ...r,
          state: 'all',
          head: `${r.owner}:${sourceBranch}`,
          sort: 'created',
          direction: 'desc',
          per_page: 1,
        }),
      );
      return newest ? toMergeRequest(newest) : null;
    },
    async open(project, sourceBranch, fields) {
      const what = `open a pull request from ${sourceBranch} in ${project}`;
      const created = await read(pullRequestSchema, what, () =>
        octokit.rest.pulls.create({
          ...repo(project),
          head: sourceBranch,
          base: fields.targetBranch,
          title: fields.title,
          body: fields.description,
        }),
      );
      return toMergeRequest(created);
    },
    async update(project, number, fields) {
      const updated = await read(pullRequestSchema, `update #${number} of ${project}`, () =>
        octokit.rest.pulls.update({
          ...repo(project),
          pull_number: number,
          ...(fields.title !== undefined ? { title: fields.title } : {}),
          ...(fields.description !== undefined ? { body: fields.description } : {}),
          ...(fields.targetBranch !== undefined ? { base: fields.targetBranch } : {}),
        }),
      );
      return toMergeRequest(updated);
    },
    async get(project, number) {
      return toMergeRequest(
        await read(pullRequestSchema, `read #${number} of ${project}`, () =>
          octokit.rest.pulls.get({ ...repo(project), pull_number: number }),
        ),
      );
    },
    async mergedWith(project, branch, sha) {
      const r = repo(project);
      const merged = (list: readonly GitHubPullRequest[]) =>
        list
          .map(toMergeRequest)
          .filter((pr) => pr.state === 'merged' && pr.targetBranch === branch)
          .sort((a, b) => a.number - b.number);
      const associated = merged(
        await read(pullRequestListSchema, `list the pull requests of ${sha.slice(0, 12)} in ${project}`, () =>
          octokit.rest.repos.listPullRequestsAssociatedWithCommit({ ...r, commit_sha: sha, per_page: 100 }),
        ),
      );
      if (associated.length > 0) return associated;
      // GitHub names only open pull requests for a commit outside the default branch: the one a
      // push to another branch merged is among its recently closed ones, by its merge commit.
      const closed = await read(pullRequestListSchema, `list the closed pull requests of ${project}`, () =>
        octokit.rest.pulls.list({
          ...r,
          state: 'closed',
          base: branch,
          sort: 'updated',
          direction: 'desc',
          per_page: 50,
        }),
      );
      return merged(closed.filter((pr) => pr.merge_commit_sha === sha));
    },
    async comment(project, number, body) {
      await call(`comment on #${number} of ${project}`, () =>
        octokit.rest.issues.createComment({ ...repo(project), issue_number: number, body }),
      );
    },
    async comments(project, number) {
      const what = `read the comments of #${number} of ${project}`;
      const all = await call(what, () =>
        octokit.paginate(octokit.rest.issues.listComments, {
          ...repo(project),
          issue_number: number,
          per_page: 100,
        }),
      );
      return parseAnswer(commentListSchema, all, what).map((c) => ({ id: c.id, body: c.body ?? '' }));
    },
    async editComment(project, number, commentId, body) {
      await call(`edit comment ${commentId} on #${number} of ${project}`, () =>
        octokit.rest.issues.updateComment({ ...repo(project), comment_id: commentId, body }),
      );
    },
    async close(project, number) {
      const closed = await read(pullRequestSchema, `close #${number} of ${project}`, () =>
        octokit.rest.pulls.update({ ...repo(project), pull_number: number, state: 'closed' }),
      );
      return toMergeRequest(closed);
    },
    async setStatus(project, sha, status) {
      await call(`set the ${status.name} status of ${sha.slice(0, 12)} in ${project}`, () =>
        octokit.rest.repos.createCommitStatus({
          ...repo(project),
          sha,
          state: STATE[status.state],
          context: status.name,
          ...(status.description ? { description: status.description.slice(0, 140) } : {}),
          ...(status.url ? { target_url: status.url } : {}),
        }),
      );
    },
  };
}

function toMergeRequest(pr: GitHubPullRequest): MergeRequest {
  const merged = Boolean(pr.merged_at) || pr.merged === true;
  return {
    number: pr.number,
    url: pr.html_url,
    state: merged ? 'merged' : pr.state === 'open' ? 'open' : 'closed',
    sourceBranch: pr.head.ref,
    targetBranch: pr.base.ref,
    title: pr.title,
    description: pr.body ?? '',
    headSha: pr.head.sha,
    mergeSha: merged ? (pr.merge_commit_sha ?? null) : null,
  };
}

/** A request whose answer's data is read: the fields `schema` names, or a ForgeError naming the
 * field that does not fit. */
async function read<T>(
  schema: z.ZodType<T>,
  what: string,
  request: () => Promise<{ data: unknown }>,
): Promise<T> {
  const { data } = await call(what, request);
  return parseAnswer(schema, data, what);
}

async function call<T>(what: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (err) {
    const status =
      typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : null;
    // GitHub signals rate limits with 403 as well as 429; its message says which.
    const limited = status === 403 && /rate limit/i.test(errorMessage(err));
    // A duplicate pull request is a 422 on GitHub where GitLab says 409: the same conflict to callers.
    const duplicate = status === 422 && /pull request already exists/i.test(errorMessage(err));
    const code = limited ? 'forge_rate_limited' : duplicate ? 'forge_conflict' : forgeErrorCode(status);
    const hint =
      code === 'forge_auth'
        ? '; check the token (forge.tokenEnv) and its permissions'
        : code === 'forge_not_found'
          ? '; check the repository (projects.*.forgePath) and that the token can see it'
          : '';
    throw new ForgeError(
      code,
      `GitHub: cannot ${what}: ${errorMessage(err)}${status ? ` (HTTP ${status})` : ''}${hint}`,
      status,
      {
        cause: err,
      },
    );
  }
}
