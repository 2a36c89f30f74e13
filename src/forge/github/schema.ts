import { z } from 'zod';
import { ForgeError } from '../../ports/forge.ts';
import { parseOr } from '../../shared/describe-issues.ts';

/* What patchferry reads of GitHub's answers and webhooks, and nothing more: a field GitHub adds or
 * patchferry ignores is let through, a field it reads that is missing or of another type is not. */

/** A pull request (GET, POST, PATCH /repos/:owner/:repo/pulls[/:number]). The list omits
 * `merged`; `merged_at` says it there. */
export const pullRequestSchema = z.object({
  number: z.number().int().positive(),
  html_url: z.string(),
  state: z.enum(['open', 'closed']),
  title: z.string(),
  body: z.string().nullish(),
  merged: z.boolean().optional(),
  merged_at: z.string().nullish(),
  merge_commit_sha: z.string().nullish(),
  head: z.object({ ref: z.string(), sha: z.string() }),
  base: z.object({ ref: z.string() }),
});
export type GitHubPullRequest = z.infer<typeof pullRequestSchema>;

export const pullRequestListSchema = z.array(pullRequestSchema);

/** Comments on a pull request's conversation (GET /repos/:owner/:repo/issues/:number/comments). */
export const commentListSchema = z.array(
  z.object({ id: z.number().int().positive(), body: z.string().nullish() }),
);

/** The fields of a `pull_request` webhook delivery with action `closed` that the app acts on. */
export const closedPullRequestEventSchema = z.object({
  repository: z.object({ full_name: z.string() }),
  pull_request: z.object({
    number: z.number().int().positive(),
    merged: z.boolean(),
    body: z.string().nullish(),
    merge_commit_sha: z.string().nullish(),
  }),
});

/** `data` as `schema` has it, or a ForgeError that names the fields that do not fit: an answer
 * that is not what GitHub sends stops here instead of as a TypeError further on. */
export function parseAnswer<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
  return parseOr(
    schema,
    data,
    (issues, cause) =>
      new ForgeError(
        'forge_invalid',
        `GitHub: cannot ${what}: the answer is not what GitHub sends (${issues}); check that forge.url is GitHub's REST API root`,
        null,
        { cause },
      ),
  );
}
