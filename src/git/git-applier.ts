import { mkdir, rename, rm } from 'node:fs/promises';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gitAt, type Git } from './git-run.ts';
import type { Logger } from '../shared/log.ts';
import { ToolError, errorMessage } from '../shared/errors.ts';
import { runTool } from '../shared/run.ts';
import { amSettings, fastApply, type FastApplyOutcome } from './fast-apply.ts';
import { gitAm } from './git-am.ts';
import { WorktreePool, type LentWorktree } from './worktree-pool.ts';
import type { ApplyHooks, ApplyRequest, ApplyResult, Applier, Repository } from '../ports/repository.ts';

export interface GitApplierOptions {
  /** Holds one bare mirror per project and the worktrees of series being applied. */
  readonly workDir: string;
  /** Committer identity for the commits git am makes; authors stay the patches' authors. */
  readonly committer?: { name: string; email: string };
  readonly log: Logger;
}

/** Applies series with `git am --3way` in a worktree of a per-project bare mirror. */
export class GitApplier implements Applier, Repository {
  readonly #opts: GitApplierOptions;
  readonly #locks = new Map<string, Promise<void>>();
  readonly #pools = new Map<string, WorktreePool>();
  readonly #swept = new Set<string>();

  constructor(opts: GitApplierOptions) {
    this.#opts = opts;
  }

  async apply(req: ApplyRequest, hooks: ApplyHooks = {}): Promise<ApplyResult> {
    const target = req.pushTo ?? { branch: req.branch, force: false };
    const took = stopwatch();
    // The fetch and the branch-name check side by side.
    const [mirror] = await Promise.all([
      this.#mirror(req.project, req.gitUrl, { branch: req.branch }),
      this.#checkBranchName(target.branch),
    ]);
    const fetched = took();
    const { start, baseNote } = await this.#base(mirror, req);
    const settings = amSettings(this.#mirrorDir(req.project), mirror);
    const fast = await this.#fastApply(req, mirror, start, settings);
    if (fast.declined === null && fast.base && fast.head) {
      const ms = { fetch: fetched, apply: took(), push: 0 };
      hooks.beforePush?.(fast.base, fast.head);
      await Promise.all([
        this.#publish(req, mirror, mirror, fast.base, fast.head, [`delete ${fast.ref}`]),
        // What `git am` does at its end: every fast-import adds a pack, and gc --auto (detached)
        // joins them once there are many.
        mirror.raw(['maintenance', 'run', '--auto', '--quiet']),
      ]);
      ms.push = took();
      this.#applied(req, fast.base, fast.head, { via: 'fast-import', ms });
      return { ok: true, base: fast.base, head: fast.head, baseNote };
    }
    return this.#continueWithGitAm({ req, hooks, mirror, start, baseNote, took, fetched, settings }, fast);
  }

  /**
   * git am takes the series from the first patch the fast path declined, on top of the commits it
   * made of the ones before: the same commits git am would have made of them. When the decline was
   * that patch's own doing, git am takes it alone and the fast path the patches after it; a second
   * decline straight away, or one that holds for the whole series, leaves git am the rest.
   */
  async #continueWithGitAm(run: ApplyRun, first: FastApplyOutcome & { ref: string }): Promise<ApplyResult> {
    const { req, hooks, mirror, baseNote, took } = run;
    const ms = { fetch: run.fetched, fast: took(), worktree: 0, am: 0, push: 0 };
    const total = req.patches.length;
    const refs = first.head ? [first.ref] : [];
    const ways: string[] = first.applied > 0 ? [`fast-import ${first.applied}`] : [];
    const declines = [first.declined];
    const mailboxes: string[] = [];
    let fast = first;
    let applied = first.applied;
    let head = first.head ?? run.start;
    let lent: LentWorktree | undefined;
    try {
      lent = await this.#pool(req.project).lend(
        mirror,
        (dir) => this.#git(dir),
        head,
        (work) => this.#exclusive(req.project, work),
      );
      const git = this.#git(lent.dir);
      const base = first.base ?? (await lent.head());
      ms.worktree = took();
      for (let alone = false; applied < total;) {
        alone = fast.byPatch && !(alone && fast.applied === 0);
        const part = req.patches.slice(applied, alone ? applied + 1 : total);
        if ((await lent.head()) !== head) await git.raw(['checkout', '--quiet', '--force', '--detach', head]);
        const failed = await gitAm({
          git,
          patches: part,
          base,
          applied,
          reproducible: req.reproducible ?? false,
          mailDir: this.#opts.workDir,
          mailboxes,
        });
        if (failed) return failed;
        applied += part.length;
        head = await lent.head();
        ways.push(`git am ${part.length}`);
        if (applied === total) break;
        fast = await this.#fastApply(
          { ...req, patches: req.patches.slice(applied) },
          mirror,
          head,
          run.settings,
        );
        if (fast.head) refs.push(fast.ref);
        if (fast.applied > 0) ways.push(`fast-import ${fast.applied}`);
        declines.push(fast.declined);
        applied += fast.applied;
        head = fast.head ?? head;
      }
      ms.am = took();
      hooks.beforePush?.(base, head);
      await this.#publish(req, git, mirror, base, head, []);
      ms.push = took();
      this.#applied(req, base, head, {
        via: ways.join(', then '),
        fastPathDeclined: declines.filter(Boolean).join('; '),
        ms,
      });
      return { ok: true, base, head, baseNote };
    } finally {
      await Promise.all([
        ...mailboxes.map((file) => rm(file, { force: true })),
        lent?.release(),
        // The commits the fast path made are on their way (or failed with the series) by now.
        refs.length > 0
          ? mirror
              .raw(['update-ref', '--stdin'], refs.map((ref) => `delete ${ref}\n`).join(''))
              .catch(() => '')
          : undefined,
      ]);
    }
  }

  /** The commits pushed to their branch and, beside the push, the mirror's own refs updated: the
   * kept versions, and `more` (the fast path's working ref deleted). The mirror's branches follow
   * the repository's at every fetch and are not written here; a failed push throws, and the next
   * application of that version writes the kept refs again. */
  async #publish(req: ApplyRequest, from: Git, mirror: Git, base: string, head: string, more: string[]) {
    const target = req.pushTo ?? { branch: req.branch, force: false };
    const updates = [
      ...(req.keepAs
        ? [`update ${keptRef(req.keepAs, 'head')} ${head}`, `update ${keptRef(req.keepAs, 'base')} ${base}`]
        : []),
      ...more,
    ];
    await Promise.all([
      this.#push(from, req.gitUrl, head, target.branch, target.force),
      updates.length > 0
        ? this.#exclusive(req.project, () => mirror.raw(['update-ref', '--stdin'], `${updates.join('\n')}\n`))
        : undefined,
    ]);
  }

  #applied(req: ApplyRequest, base: string, head: string, how: Record<string, unknown>): void {
    const branch = (req.pushTo ?? { branch: req.branch }).branch;
    this.#opts.log.info(
      { project: req.project, branch, base, head, patches: req.patches.length, ...how },
      'series applied',
    );
  }

  /** The series through the fast path (see fast-apply.ts) as far as it goes, and the ref it wrote. */
  async #fastApply(
    req: ApplyRequest,
    mirror: Git,
    start: string,
    settings: Promise<string | null>,
  ): Promise<FastApplyOutcome & { ref: string }> {
    const ref = `${WORK_REFS}${randomUUID()}`;
    try {
      const outcome = await fastApply({
        gitDir: this.#mirrorDir(req.project),
        git: mirror,
        start,
        patches: req.patches,
        committer: this.#committer(),
        reproducible: req.reproducible ?? false,
        ref,
        settings,
      });
      return { ...outcome, ref };
    } catch (err) {
      // git itself failed somewhere on the way: `git am` gets the series and says what is wrong.
      this.#opts.log.warn(
        { project: req.project, err: errorMessage(err) },
        'fast path failed; applying with git am',
      );
      await mirror.raw(['update-ref', '-d', ref]).catch(() => undefined);
      const declined = `fast path failed: ${errorMessage(err)}`;
      return { applied: 0, base: null, head: null, declined, byPatch: false, ref };
    }
  }

  #pool(project: string): WorktreePool {
    let pool = this.#pools.get(project);
    if (!pool) {
      pool = new WorktreePool(join(this.#opts.workDir, 'worktrees', project));
      this.#pools.set(project, pool);
    }
    return pool;
  }

  /** Runs `work` alone among this applier's changes to a project's mirror (fetches, ref updates,
   * worktree bookkeeping), which git would otherwise refuse or race on; `git am` in the separate
   * worktrees still runs side by side. */
  #exclusive<T>(project: string, work: () => Promise<T>): Promise<T> {
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

  /** Where the series starts: its `base-commit:` when the repository has it, else the branch tip. */
  async #base(mirror: Git, req: ApplyRequest): Promise<{ start: string; baseNote: string | null }> {
    const tip = `refs/heads/${req.branch}`;
    if (!req.baseCommit) return { start: tip, baseNote: null };
    const known = await mirror.raw(['rev-parse', '--verify', '--quiet', `${req.baseCommit}^{commit}`]).then(
      (out) => out.trim(),
      () => '',
    );
    if (known) return { start: known, baseNote: null };
    return {
      start: tip,
      baseNote: `base-commit ${req.baseCommit} is not in the repository; applied to the tip of ${req.branch} instead`,
    };
  }

  async #checkBranchName(branch: string): Promise<void> {
    await gitAt()
      .raw(['check-ref-format', '--branch', branch])
      .catch((err: unknown) => {
        throw new ToolError(
          'git',
          `"${branch}" is not a valid branch name (git check-ref-format)`,
          errorMessage(err),
        );
      });
  }

  async rangeDiff(project: string, gitUrl: string, oldName: string, newName: string): Promise<string> {
    // The kept versions are the mirror's own refs: nothing to fetch.
    const mirror = await this.#mirror(project, gitUrl, 'nothing');
    const range = (name: string) => `${keptRef(name, 'base')}..${keptRef(name, 'head')}`;
    return mirror.raw(['range-diff', '--no-color', range(oldName), range(newName)]);
  }

  async exportTree(project: string, gitUrl: string, commit: string, dest: string): Promise<void> {
    // The commit usually comes from branchTip a moment before: fetch only when the mirror lacks it.
    const dir = this.#mirrorDir(project);
    const known =
      existsSync(dir) &&
      (await this.#git(dir)
        .raw(['cat-file', '-e', `${commit}^{commit}`])
        .then(
          () => true,
          () => false,
        ));
    const mirror = known ? this.#git(dir) : await this.#mirror(project, gitUrl, 'every branch');
    await mkdir(dest, { recursive: true });
    // `git worktree` would register the export; archive + extract leaves the mirror untouched.
    const tar = join(dest, '..', `${commit}.tar`);
    await mirror.raw(['archive', '--format=tar', `--output=${tar}`, commit]);
    await runTool('tar', ['-xf', tar, '-C', dest]);
    await rm(tar, { force: true });
  }

  async contains(project: string, gitUrl: string, branch: string, commit: string): Promise<boolean> {
    const mirror = await this.#mirror(project, gitUrl, { branch });
    return mirror.raw(['merge-base', '--is-ancestor', commit, `refs/heads/${branch}`]).then(
      () => true,
      () => false,
    );
  }

  async branchTip(project: string, gitUrl: string, branch: string): Promise<string> {
    const mirror = await this.#mirror(project, gitUrl, { branch });
    return (await mirror.revparse([`refs/heads/${branch}`])).trim();
  }

  #mirrorDir(project: string): string {
    return join(this.#opts.workDir, 'mirrors', `${project}.git`);
  }

  /** The project's bare mirror, cloned on first use and then fetched before every use: only the
   * branch in use (in merge-request mode the repository also holds a branch per proposed series,
   * which the mirror has no use for), every branch, or nothing. */
  #mirror(project: string, gitUrl: string, fetch: MirrorFetch): Promise<Git> {
    return this.#exclusive(project, () => this.#fetchMirror(project, gitUrl, fetch));
  }

  async #fetchMirror(project: string, gitUrl: string, fetch: MirrorFetch): Promise<Git> {
    const dir = this.#mirrorDir(project);
    try {
      if (!existsSync(dir)) {
        await mkdir(join(dir, '..'), { recursive: true });
        // Cloned aside and renamed: a process killed mid-clone leaves no half mirror behind.
        const partial = `${dir}.partial-${process.pid}`;
        await rm(partial, { recursive: true, force: true });
        await gitAt().raw(['clone', '--bare', '--quiet', gitUrl, partial]);
        await rename(partial, dir);
      } else if (fetch !== 'nothing') {
        const refs = fetch === 'every branch' ? 'refs/heads/*' : `refs/heads/${fetch.branch}`;
        // No FETCH_HEAD (nothing reads it) and no maintenance check here: every series runs that
        // check on the same repository once applied (see #publish).
        await this.#git(dir).raw([
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
        await this.#sweepWorkRefs(this.#git(dir));
      }
    } catch (err) {
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
    return this.#git(dir);
  }

  async #push(git: Git, gitUrl: string, head: string, branch: string, force: boolean): Promise<void> {
    try {
      // Over a local transport deltas save no transfer, and finding them was a third of the push's
      // time in bench:apply; the repository's own gc packs the objects tightly later.
      const local = isLocalUrl(gitUrl) ? ['-c', 'pack.window=0'] : [];
      await git.raw([...local, 'push', '--quiet', gitUrl, `${force ? '+' : ''}${head}:refs/heads/${branch}`]);
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

  /** The fast path's working refs that a process killed between writing and removing one left
   * behind (they only keep objects alive); removed at the first use of a mirror in a process. */
  async #sweepWorkRefs(mirror: Git): Promise<void> {
    const left = await mirror.raw(['for-each-ref', `--format=delete %(refname)`, WORK_REFS]);
    if (left.trim()) await mirror.raw(['update-ref', '--stdin'], left);
  }

  #committer(): { name: string; email: string } {
    return this.#opts.committer ?? { name: 'patchferry', email: 'patchferry@localhost' };
  }

  #git(baseDir: string): Git {
    const who = this.#committer();
    return gitAt({ cwd: baseDir, config: [`user.name=${who.name}`, `user.email=${who.email}`] });
  }
}

/** One application under way: what the git am path needs from the steps before it. */
interface ApplyRun {
  readonly req: ApplyRequest;
  readonly hooks: ApplyHooks;
  readonly mirror: Git;
  readonly start: string;
  readonly baseNote: string | null;
  /** The stopwatch of the application's steps, and the fetch it timed. */
  readonly took: () => number;
  readonly fetched: number;
  /** The repository's git am settings, read once for every fast-path attempt. */
  readonly settings: Promise<string | null>;
}

/** Where the fast path's git fast-import writes a series before it is pushed. */
const WORK_REFS = 'refs/patchferry/apply/';

/** What a use of the mirror fetches first. */
type MirrorFetch = { readonly branch: string } | 'every branch' | 'nothing';

/** The mirror ref that keeps a version of a series; hashed, because series ids (Message-IDs) hold
 * characters refs may not. */
function keptRef(name: string, which: 'base' | 'head'): string {
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

/** Milliseconds since it was made, then since the last call: the steps of one application. */
function stopwatch(): () => number {
  let last = performance.now();
  return () => {
    const now = performance.now();
    const step = Math.round(now - last);
    last = now;
    return step;
  };
}
