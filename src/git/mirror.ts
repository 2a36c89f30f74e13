import { mkdir, rename, rm } from 'node:fs/promises';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { appliedOn } from './applied-on.ts';
import { branchPatchIds } from './branch-patch-ids.ts';
import { gitAt, type Git } from './git-run.ts';
import { PatchferryError, ToolError, errorMessage } from '../shared/errors.ts';
import { runTool } from '../shared/run.ts';
import { UNKNOWN_COMMIT, type Repository } from '../ports/repository.ts';

export interface GitMirrorOptions {
  /** Holds one bare mirror per project (`mirrors/<project>.git`); the applier keeps its worktrees
   * and mailboxes beside them. */
  readonly workDir: string;
}

/** What a use of the mirror fetches first: only the branch in use (in merge-request mode the
 * repository also holds a branch per proposed series, which the mirror has no use for), every
 * branch, or nothing. */
export type MirrorFetch = { readonly branch: string } | 'every branch' | 'nothing';

/** Commits pushed from the mirror, and the mirror's own refs updated beside the push. */
export interface MirrorPush {
  readonly gitUrl: string;
  readonly branch: string;
  readonly force: boolean;
  readonly base: string;
  readonly head: string;
  /** Keep `base` and `head` as the refs of this version (see keptRef), for range-diffs. */
  readonly keepAs?: string;
  /** Working refs (see workRef) to delete in the same ref update. */
  readonly drop?: readonly string[];
}

/**
 * The per-project bare mirrors of the repositories patchferry reads and pushes to, fetched before
 * each use. Changes to one mirror (clone, fetch, ref updates, worktree bookkeeping) run one at a
 * time through `exclusive`; reads and `git am` in worktrees of it run side by side.
 */
export class GitMirror implements Repository {
  readonly workDir: string;
  readonly #locks = new Map<string, Promise<void>>();
  readonly #swept = new Set<string>();

  constructor(opts: GitMirrorOptions) {
    this.workDir = opts.workDir;
  }

  /** The project's bare mirror (its git directory), whether or not it exists yet. */
  gitDir(project: string): string {
    return join(this.workDir, 'mirrors', `${project}.git`);
  }

  /** The project's bare mirror, cloned on first use and then fetched as asked; its git directory. */
  fetch(project: string, gitUrl: string, what: MirrorFetch): Promise<string> {
    return this.exclusive(project, () => this.#fetch(project, gitUrl, what));
  }

  /** Runs `work` alone among the changes to a project's mirror (fetches, ref updates, worktree
   * bookkeeping), which git would otherwise refuse or race on; `git am` in the separate worktrees
   * still runs side by side. */
  exclusive<T>(project: string, work: () => Promise<T>): Promise<T> {
    const before = this.#locks.get(project) ?? Promise.resolve();
    const run = before.then(work, work);
    this.#locks.set(
      project,
      run.then(
        () => undefined,
        () => undefined,
      ),
    );
    return run;
  }

  /** A new ref for the fast path's git fast-import to write a series to before it is pushed; left-
   * over ones are swept at a mirror's first use in a process. */
  workRef(): string {
    return `${WORK_REFS}${randomUUID()}`;
  }

  /** Deletes working refs, whose commits are pushed or failed with their series; a failure to
   * delete is left to the next sweep. */
  async dropRefs(project: string, refs: readonly string[]): Promise<void> {
    if (refs.length === 0) return;
    await gitAt({ cwd: this.gitDir(project) })
      .raw(['update-ref', '--stdin'], refs.map((ref) => `delete ${ref}\n`).join(''))
      .catch(() => '');
  }

  /** The commits pushed to their branch and, beside the push, the mirror's own refs updated: the
   * kept versions, and the working refs dropped. The mirror's branches follow the repository's at
   * every fetch and are not written here; a failed push throws, and the next application of that
   * version writes the kept refs again. */
  async push(project: string, push: MirrorPush): Promise<void> {
    const mirror = gitAt({ cwd: this.gitDir(project) });
    const updates = [
      ...(push.keepAs
        ? [
            `update ${keptRef(push.keepAs, 'head')} ${push.head}`,
            `update ${keptRef(push.keepAs, 'base')} ${push.base}`,
          ]
        : []),
      ...(push.drop ?? []).map((ref) => `delete ${ref}`),
    ];
    await Promise.all([
      this.#push(mirror, push),
      updates.length > 0
        ? this.exclusive(project, () => mirror.raw(['update-ref', '--stdin'], `${updates.join('\n')}\n`))
        : undefined,
    ]);
  }

  async rangeDiff(project: string, gitUrl: string, oldName: string, newName: string): Promise<string> {
    // The kept versions are the mirror's own refs: nothing to fetch.
    const mirror = gitAt({ cwd: await this.fetch(project, gitUrl, 'nothing') });
    const range = (name: string) => `${keptRef(name, 'base')}..${keptRef(name, 'head')}`;
    return mirror.raw(['range-diff', '--no-color', range(oldName), range(newName)]);
  }

  async exportTree(project: string, gitUrl: string, commit: string, dest: string): Promise<void> {
    const dir = await this.#withCommit(project, gitUrl, commit);
    await mkdir(dest, { recursive: true });
    // `git worktree` would register the export; archive + extract leaves the mirror untouched.
    // Named for the destination, not the commit: two exports of one commit (one per target, built
    // side by side) must not share their archive.
    const tar = `${dest.replace(/\/+$/, '')}.tar`;
    await gitAt({ cwd: dir }).raw(['archive', '--format=tar', `--output=${tar}`, commit]);
    await runTool('tar', ['-xf', tar, '-C', dest]);
    await rm(tar, { force: true });
  }

  async commitFacts(
    project: string,
    gitUrl: string,
    commit: string,
  ): Promise<{ count: number; date: number; sha: string }> {
    const git = gitAt({ cwd: await this.#withCommit(project, gitUrl, commit) });
    const count = Number((await git.raw(['rev-list', '--count', commit])).trim());
    const [sha, seconds] = (await git.raw(['show', '-s', '--format=%H %ct', commit])).trim().split(' ');
    return { count, date: Number(seconds) * 1000, sha: sha ?? commit };
  }

  async hasCommit(project: string, gitUrl: string, commit: string): Promise<boolean> {
    try {
      await this.#withCommit(project, gitUrl, commit);
      return true;
    } catch (err) {
      if (err instanceof PatchferryError && err.code === UNKNOWN_COMMIT) return false;
      throw err;
    }
  }

  /** The mirror's directory, fetched first when it lacks `commit` (which usually comes from
   * branchTip a moment before): every branch, then the commit itself by its full id, for a commit
   * on no branch (a merged-results pipeline's, refs/merge-requests/<iid>/merge on GitLab). Throws
   * the PatchferryError UNKNOWN_COMMIT (not retryable) when the repository does not have it. */
  async #withCommit(project: string, gitUrl: string, commit: string): Promise<string> {
    const dir = this.gitDir(project);
    const known = () =>
      gitAt({ cwd: dir })
        .raw(['cat-file', '-e', `${commit}^{commit}`])
        .then(
          () => true,
          () => false,
        );
    if (existsSync(dir) && (await known())) return dir;
    await this.fetch(project, gitUrl, 'every branch');
    if (await known()) return dir;
    if (FULL_ID.test(commit)) await this.exclusive(project, () => fetchById(dir, gitUrl, commit));
    if (await known()) return dir;
    throw new PatchferryError(
      UNKNOWN_COMMIT,
      `commit ${commit} is not in ${gitUrl}: no branch holds it, and the repository does not give it by its full id`,
    );
  }

  async appliedOn(
    project: string,
    gitUrl: string,
    branch: string,
    patches: readonly Buffer[],
  ): Promise<{ base: string; head: string } | null> {
    const dir = await this.fetch(project, gitUrl, { branch });
    return appliedOn(gitAt({ cwd: dir }), branch, patches);
  }

  async branchPatchIds(
    project: string,
    gitUrl: string,
    branch: string,
  ): Promise<ReadonlyMap<string, string>> {
    return branchPatchIds(await this.fetch(project, gitUrl, { branch }), branch);
  }

  async mergedBase(project: string, gitUrl: string, merge: string, patches: number): Promise<string | null> {
    const git = gitAt({ cwd: await this.#withCommit(project, gitUrl, merge) });
    const commit = (rev: string) =>
      git.raw(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]).then(
        (id) => id.trim() || null,
        () => null,
      );
    const tip = (await commit(`${merge}^2`)) ?? merge;
    return commit(`${tip}~${Math.max(0, Math.trunc(patches))}`);
  }

  async contains(project: string, gitUrl: string, branch: string, commit: string): Promise<boolean> {
    const mirror = gitAt({ cwd: await this.fetch(project, gitUrl, { branch }) });
    return mirror.raw(['merge-base', '--is-ancestor', commit, `refs/heads/${branch}`]).then(
      () => true,
      () => false,
    );
  }

  async branchTip(project: string, gitUrl: string, branch: string): Promise<string> {
    const mirror = gitAt({ cwd: await this.fetch(project, gitUrl, { branch }) });
    return (await mirror.revparse([`refs/heads/${branch}`])).trim();
  }

  async #fetch(project: string, gitUrl: string, what: MirrorFetch): Promise<string> {
    const dir = this.gitDir(project);
    const branch = typeof what === 'object' ? what.branch : null;
    let cloned = false;
    try {
      if (!existsSync(dir)) {
        await mkdir(join(dir, '..'), { recursive: true });
        // Cloned aside and renamed: a process killed mid-clone leaves no half mirror behind.
        const partial = `${dir}.partial-${process.pid}`;
        await rm(partial, { recursive: true, force: true });
        await gitAt().raw(['clone', '--bare', '--quiet', gitUrl, partial]);
        await rename(partial, dir).catch(async (err: unknown) => {
          // Another process sharing the work directory (a CI job beside this one) made the mirror
          // first: use theirs.
          await rm(partial, { recursive: true, force: true });
          if (!existsSync(join(dir, 'HEAD'))) throw err;
        });
        cloned = true;
      } else if (what !== 'nothing') {
        const refs = what === 'every branch' ? 'refs/heads/*' : `refs/heads/${what.branch}`;
        // No FETCH_HEAD (nothing reads it) and no maintenance check here: every series runs that
        // check on the same repository once applied (see the applier).
        await gitAt({ cwd: dir }).raw([
          'fetch',
          '--quiet',
          '--prune',
          '--no-write-fetch-head',
          '--no-auto-maintenance',
          gitUrl,
          `+${refs}:${refs}`,
        ]);
      }
      if (!this.#swept.has(project)) {
        this.#swept.add(project);
        await sweepWorkRefs(gitAt({ cwd: dir }));
      }
    } catch (err) {
      if (branch !== null && NO_REMOTE_REF.test(errorMessage(err)))
        throw branchMissing(project, gitUrl, branch);
      throw new ToolError(
        'git',
        `cannot fetch ${gitUrl} for project ${project}: ${errorMessage(err)}`,
        errorMessage(err),
        {
          cause: err,
          retryable: true,
        },
      );
    }
    // A clone takes every branch there is: one missing from it is missing from the repository.
    if (cloned && branch !== null && !(await hasBranch(dir, branch)))
      throw branchMissing(project, gitUrl, branch);
    return dir;
  }

  async #push(mirror: Git, push: MirrorPush): Promise<void> {
    const { gitUrl, branch } = push;
    try {
      // Over a local transport deltas save no transfer, and finding them was a third of the push's
      // time in bench:apply; the repository's own gc packs the objects tightly later.
      const local = isLocalUrl(gitUrl) ? ['-c', 'pack.window=0'] : [];
      const refspec = `${push.force ? '+' : ''}${push.head}:refs/heads/${branch}`;
      await mirror.raw([...local, 'push', '--quiet', gitUrl, refspec]);
    } catch (err) {
      throw new ToolError(
        'git',
        `cannot push to ${branch} of ${gitUrl}: ${errorMessage(err)}`,
        errorMessage(err),
        {
          cause: err,
          retryable: true,
        },
      );
    }
  }
}

export { UNKNOWN_COMMIT };
export const BRANCH_MISSING = 'git_branch_missing';

/** What git fetch says when the repository has no such branch. */
const NO_REMOTE_REF = /couldn't find remote ref/i;

/** A configured branch the repository does not have: no retry brings it (PatchferryError
 * BRANCH_MISSING, not retryable); the message says what to change. */
function branchMissing(project: string, gitUrl: string, branch: string): PatchferryError {
  return new PatchferryError(
    BRANCH_MISSING,
    `project ${project}: the repository ${gitUrl} has no branch "${branch}": correct projects.${project}.branches in the configuration, or create the branch in the repository (git push ${gitUrl} <commit>:refs/heads/${branch})`,
  );
}

async function hasBranch(dir: string, branch: string): Promise<boolean> {
  return gitAt({ cwd: dir })
    .raw(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`])
    .then(
      () => true,
      () => false,
    );
}

/** A full commit id, SHA-1 or SHA-256: what a server can be asked for by id. */
const FULL_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** What git says when the server has no such object, or does not give objects by id (protocol v0
 * without uploadpack.allowReachableSHA1InWant): either way this repository does not offer it. */
const NOT_OFFERED = /not our ref|couldn't find remote ref|unadvertised object|no such remote ref/i;

/** Fetches one commit by its id into the mirror (unreferenced: it is only built from), or nothing
 * when the server does not offer it; a repository that cannot be reached throws ToolError. */
async function fetchById(dir: string, gitUrl: string, commit: string): Promise<void> {
  try {
    await gitAt({ cwd: dir }).raw([
      'fetch',
      '--quiet',
      '--no-write-fetch-head',
      '--no-auto-maintenance',
      gitUrl,
      commit,
    ]);
  } catch (err) {
    if (NOT_OFFERED.test(errorMessage(err))) return;
    throw new ToolError(
      'git',
      `cannot fetch ${commit} from ${gitUrl}: ${errorMessage(err)}`,
      errorMessage(err),
      {
        cause: err,
        retryable: true,
      },
    );
  }
}

/** Where the fast path's git fast-import writes a series before it is pushed. */
const WORK_REFS = 'refs/patchferry/apply/';

/** The fast path's working refs that a process killed between writing and removing one left
 * behind (they only keep objects alive); removed at the first use of a mirror in a process. */
async function sweepWorkRefs(mirror: Git): Promise<void> {
  const left = await mirror.raw(['for-each-ref', `--format=delete %(refname)`, WORK_REFS]);
  if (left.trim()) await mirror.raw(['update-ref', '--stdin'], left);
}

/** The mirror ref that keeps a version of a series; hashed, because series ids (Message-IDs) hold
 * characters refs may not. */
export function keptRef(name: string, which: 'base' | 'head'): string {
  return `refs/patchferry/${createHash('sha1').update(name).digest('hex')}/${which}`;
}

/** Whether git reaches `url` by its local transport (a path or file://) rather than over a network;
 * `host:path` is git's scp-like ssh form. */
export function isLocalUrl(url: string): boolean {
  if (url.includes('://')) return url.startsWith('file://');
  const colon = url.indexOf(':');
  const slash = url.indexOf('/');
  return colon < 0 || (slash >= 0 && slash < colon);
}
