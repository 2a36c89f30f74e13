import { PatchferryError } from '../shared/errors.ts';

/** A merge request (GitLab) or pull request (GitHub), as patchferry needs to know it. */
export interface MergeRequest {
  /** The per-project number: GitLab's iid (!N), GitHub's number (#N). */
  readonly number: number;
  readonly url: string;
  readonly state: 'open' | 'closed' | 'merged';
  readonly sourceBranch: string;
  readonly targetBranch: string;
  readonly title: string;
  readonly description: string;
  /** The commit the source branch pointed at when the forge last looked. */
  readonly headSha: string | null;
  /** The commit the merge made on the target branch, once merged. */
  readonly mergeSha: string | null;
}

export interface MergeRequestFields {
  readonly title: string;
  readonly description: string;
  readonly targetBranch: string;
}

/** A comment (GitLab: note) on a merge request. */
export interface Comment {
  /** The forge's id of the comment, for editing it. */
  readonly id: number;
  readonly body: string;
}

export type CommitState = 'pending' | 'running' | 'success' | 'failed';

export interface CommitStatus {
  readonly state: CommitState;
  /** Names the check, so that several (one per platform) sit side by side. */
  readonly name: string;
  readonly description?: string;
  readonly url?: string;
}

/** What patchferry does on a forge. `project` is the forge's own name for the repository: the
 * GitLab project path (`group/name`) or the GitHub `owner/name`. Adapters map their client
 * library's errors to ForgeError; nothing of the library leaks to callers. */
export interface Forge {
  readonly kind: 'gitlab' | 'github';
  /** The newest merge request, open or not, whose source is `sourceBranch`; null when none. */
  findBySourceBranch(project: string, sourceBranch: string): Promise<MergeRequest | null>;
  /** Opens a merge request; the source branch must have been pushed. */
  open(project: string, sourceBranch: string, fields: MergeRequestFields): Promise<MergeRequest>;
  update(project: string, number: number, fields: Partial<MergeRequestFields>): Promise<MergeRequest>;
  get(project: string, number: number): Promise<MergeRequest>;
  /** The merge requests merged into `branch` whose merge brought commit `sha` onto it (the merge
   * commit, or one of the merged commits), oldest first; empty when none. How a CI job, which has
   * no database, finds what a push to a tracked branch merged. */
  mergedWith(project: string, branch: string, sha: string): Promise<readonly MergeRequest[]>;
  comment(project: string, number: number, body: string): Promise<void>;
  /** Every comment on the merge request, oldest first (all pages): a hidden marker in one of them
   * lets a retry find the comment it posted before a crash and edit it instead of posting again. */
  comments(project: string, number: number): Promise<readonly Comment[]>;
  editComment(project: string, number: number, commentId: number, body: string): Promise<void>;
  close(project: string, number: number): Promise<MergeRequest>;
  setStatus(project: string, sha: string, status: CommitStatus): Promise<void>;
}

export type ForgeErrorCode =
  | 'forge_auth'
  | 'forge_not_found'
  | 'forge_conflict'
  | 'forge_invalid'
  | 'forge_rate_limited'
  | 'forge_unavailable';

/** A forge said no, or could not be reached; `status` is the HTTP status when there was one. */
export class ForgeError extends PatchferryError {
  readonly status: number | null;

  constructor(
    code: ForgeErrorCode,
    message: string,
    status: number | null,
    options: { cause?: unknown } = {},
  ) {
    super(code, message, {
      ...options,
      retryable: code === 'forge_rate_limited' || code === 'forge_unavailable',
    });
    this.status = status;
  }
}

/** The error code for an HTTP status a forge answered with. */
export function forgeErrorCode(status: number | null): ForgeErrorCode {
  if (status === 401 || status === 403) return 'forge_auth';
  if (status === 404) return 'forge_not_found';
  if (status === 409) return 'forge_conflict';
  if (status === 400 || status === 422) return 'forge_invalid';
  if (status === 429) return 'forge_rate_limited';
  return 'forge_unavailable';
}
