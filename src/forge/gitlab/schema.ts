import { z } from 'zod';
import { ForgeError } from '../../ports/forge.ts';
import { parseOr } from '../../shared/describe-issues.ts';

/* What patchferry reads of GitLab's answers and webhooks, and nothing more: a field GitLab adds or
 * patchferry ignores is let through, a field it reads that is missing or of another type is not. */

/** A merge request (GET, POST, PUT /projects/:id/merge_requests[/:iid]). */
export const mergeRequestSchema = z.object({
  iid: z.number().int().positive(),
  web_url: z.string(),
  state: z.enum(['opened', 'closed', 'locked', 'merged']),
  source_branch: z.string(),
  target_branch: z.string(),
  title: z.string(),
  description: z.string().nullish(),
  /** The head of the diff; GitLab leaves it null while it has not computed one. */
  sha: z.string().nullish(),
  merge_commit_sha: z.string().nullish(),
  /** Set instead of merge_commit_sha when the merge squashed and fast-forwarded. */
  squash_commit_sha: z.string().nullish(),
});
export type GitLabMergeRequest = z.infer<typeof mergeRequestSchema>;

export const mergeRequestListSchema = z.array(mergeRequestSchema);

/** A note (GET /projects/:id/merge_requests/:iid/notes). `system` marks the notes GitLab writes
 * itself ("closed", "added 1 commit"), which are nobody's comments. */
export const noteListSchema = z.array(
  z.object({ id: z.number().int().positive(), body: z.string(), system: z.boolean() }),
);

/** The fields of a "Merge Request Hook" delivery that patchferry acts on. */
export const mergeRequestHookSchema = z.object({
  object_kind: z.literal('merge_request'),
  project: z.object({ path_with_namespace: z.string() }),
  object_attributes: z.object({
    iid: z.number().int().positive(),
    action: z.string().optional(),
    merge_commit_sha: z.string().nullish(),
  }),
});

/** `data` as `schema` has it, or a ForgeError that names the fields that do not fit: an answer
 * that is not what GitLab sends stops here instead of as a TypeError further on. */
export function parseAnswer<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
  return parseOr(
    schema,
    data,
    (issues, cause) =>
      new ForgeError(
        'forge_invalid',
        `GitLab: cannot ${what}: the answer is not what GitLab sends (${issues}); check that forge.url is a GitLab instance`,
        null,
        { cause },
      ),
  );
}
