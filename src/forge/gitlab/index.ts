import { Commits, MergeRequestNotes, MergeRequests } from '@gitbeaker/rest';
import type { z } from 'zod';
import { errorMessage } from '../../shared/errors.ts';
import {
  ForgeError,
  forgeErrorCode,
  type CommitStatus,
  type Forge,
  type MergeRequest,
} from '../../ports/forge.ts';
import {
  mergeRequestListSchema,
  mergeRequestSchema,
  noteListSchema,
  parseAnswer,
  type GitLabMergeRequest,
} from './schema.ts';

export interface GitLabOptions {
  /** The instance's base URL, e.g. https://gitlab.example.org (the API is under /api/v4). */
  readonly url: string;
  readonly token: string;
}

/** GitLab (gitlab.com or self-hosted) through @gitbeaker/rest. */
export function gitlabForge(options: GitLabOptions): Forge {
  const resource = { host: options.url, token: options.token };
  const mrs = new MergeRequests(resource);
  const notes = new MergeRequestNotes(resource);
  const commits = new Commits(resource);

  return {
    kind: 'gitlab',
    async findBySourceBranch(project, sourceBranch) {
      // No state filter: GitLab's default is every state, so a merged or closed one is found too.
      const [newest] = await read(mergeRequestListSchema, `list merge requests of ${project}`, () =>
        mrs.all({
          projectId: project,
          sourceBranch,
          orderBy: 'created_at',
          sort: 'desc',
          perPage: 1,
          maxPages: 1,
        }),
      );
      return newest ? toMergeRequest(newest) : null;
    },
    async open(project, sourceBranch, fields) {
      const what = `open a merge request from ${sourceBranch} in ${project}`;
      const created = await read(mergeRequestSchema, what, () =>
        mrs.create(project, sourceBranch, fields.targetBranch, fields.title, {
          description: fields.description,
          removeSourceBranch: true,
        }),
      );
      return toMergeRequest(created);
    },
    async update(project, number, fields) {
      const edited = await read(mergeRequestSchema, `update !${number} of ${project}`, () =>
        mrs.edit(project, number, {
          ...(fields.title !== undefined ? { title: fields.title } : {}),
          ...(fields.description !== undefined ? { description: fields.description } : {}),
          ...(fields.targetBranch !== undefined ? { targetBranch: fields.targetBranch } : {}),
        }),
      );
      return toMergeRequest(edited);
    },
    async get(project, number) {
      return toMergeRequest(
        await read(mergeRequestSchema, `read !${number} of ${project}`, () => mrs.show(project, number)),
      );
    },
    async mergedWith(project, branch, sha) {
      // GitLab relates a commit to the MRs whose diff holds it and to the one whose merge (or
      // squash) commit it is; the closed and open ones are not what a push merged.
      const related = await read(
        mergeRequestListSchema,
        `list the merge requests of ${sha.slice(0, 12)} in ${project}`,
        () => commits.allMergeRequests(project, sha),
      );
      return related
        .filter((mr) => mr.state === 'merged' && mr.target_branch === branch)
        .sort((a, b) => a.iid - b.iid)
        .map(toMergeRequest);
    },
    async comment(project, number, body) {
      await call(`comment on !${number} of ${project}`, () => notes.create(project, number, body));
    },
    async comments(project, number) {
      const all = await read(noteListSchema, `read the notes of !${number} of ${project}`, () =>
        notes.all(project, number, { sort: 'asc', orderBy: 'created_at' }),
      );
      // GitLab's own notes ("added 1 commit") are not comments anyone wrote.
      return all.filter((n) => !n.system).map((n) => ({ id: n.id, body: n.body }));
    },
    async editComment(project, number, commentId, body) {
      await call(`edit note ${commentId} on !${number} of ${project}`, () =>
        notes.edit(project, number, commentId, { body }),
      );
    },
    async close(project, number) {
      const closed = await read(mergeRequestSchema, `close !${number} of ${project}`, () =>
        mrs.edit(project, number, { stateEvent: 'close' }),
      );
      return toMergeRequest(closed);
    },
    async setStatus(project, sha, status) {
      try {
        await commits.editStatus(project, sha, status.state, statusOptions(status));
      } catch (err) {
        // GitLab refuses to "transition" a status to the state it is already in (400): the
        // status already says what we wanted.
        if (statusOf(err) === 400 && /Cannot transition status/i.test(errorMessage(err))) return;
        throw toForgeError(err, `set the ${status.name} status of ${sha.slice(0, 12)} in ${project}`);
      }
    },
  };
}

function statusOptions(status: CommitStatus) {
  return {
    name: status.name,
    ...(status.description ? { description: status.description.slice(0, 255) } : {}),
    ...(status.url ? { targetUrl: status.url } : {}),
  };
}

function toMergeRequest(mr: GitLabMergeRequest): MergeRequest {
  return {
    number: mr.iid,
    url: mr.web_url,
    // A locked merge request is an open one GitLab is busy merging.
    state: mr.state === 'merged' ? 'merged' : mr.state === 'closed' ? 'closed' : 'open',
    sourceBranch: mr.source_branch,
    targetBranch: mr.target_branch,
    title: mr.title,
    description: mr.description ?? '',
    headSha: mr.sha ?? null,
    mergeSha: mr.merge_commit_sha ?? mr.squash_commit_sha ?? null,
  };
}

async function call<T>(what: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (err) {
    throw toForgeError(err, what);
  }
}

/** A request whose answer is read: the fields `schema` names, or a ForgeError naming the field that
 * does not fit. */
async function read<T>(schema: z.ZodType<T>, what: string, request: () => Promise<unknown>): Promise<T> {
  return parseAnswer(schema, await call(what, request), what);
}

function statusOf(err: unknown): number | null {
  const response = (err as { cause?: { response?: { status?: number } } }).cause?.response;
  return typeof response?.status === 'number' ? response.status : null;
}

function toForgeError(err: unknown, what: string): ForgeError {
  const status = statusOf(err);
  const code = forgeErrorCode(status);
  const hint =
    code === 'forge_auth'
      ? '; check the token (forge.tokenEnv) and its api scope'
      : code === 'forge_not_found'
        ? '; check the project path (projects.*.forgePath)'
        : '';
  return new ForgeError(
    code,
    `GitLab: cannot ${what}: ${errorMessage(err)}${status ? ` (HTTP ${status})` : ''}${hint}`,
    status,
    {
      cause: err,
    },
  );
}
