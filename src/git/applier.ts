import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { gitAt, type Git } from './git-run.ts';
import type { Logger } from '../shared/log.ts';
import { ToolError, errorMessage } from '../shared/errors.ts';
import { amSettings, fastApply, type FastApplyOutcome } from './fast-apply.ts';
import { gitAm } from './git-am.ts';
import { amReadyMail } from './am-mail.ts';
import type { GitMirror, MirrorPush } from './mirror.ts';
import { WorktreePool, type LentWorktree } from './worktree-pool.ts';
import type { ApplyHooks, ApplyRequest, ApplyResult, Applier } from '../ports/repository.ts';

export interface GitApplierOptions {
  /** The mirrors series are applied in and pushed from; the worktrees of series being applied are
   * kept in its work directory. */
  readonly mirror: GitMirror;
  /** Committer identity for the commits git am makes; authors stay the patches' authors. */
  readonly committer?: { name: string; email: string };
  readonly log: Logger;
}

/** Applies series in a project's mirror: in memory with git fast-import (fast-apply.ts) where they
 * apply exactly, with `git am --3way` in a worktree of the mirror from where they do not. */
export class GitApplier implements Applier {
  readonly #opts: GitApplierOptions;
  readonly #mirror: GitMirror;
  readonly #pools = new Map<string, WorktreePool>();

  constructor(opts: GitApplierOptions) {
    this.#opts = opts;
    this.#mirror = opts.mirror;
  }

  async apply(given: ApplyRequest, hooks: ApplyHooks = {}): Promise<ApplyResult> {
    // What git am would misread (an HTML copy beside the text, CRLF inside base64) goes rebuilt.
    const patches = await Promise.all(
      given.patches.map(async (p) => ({ ...p, raw: await amReadyMail(p.raw) })),
    );
    const req = { ...given, patches };
    const target = req.pushTo ?? { branch: req.branch, force: false };
    const took = stopwatch();
    // The fetch and the branch-name check side by side.
    const [gitDir] = await Promise.all([
      this.#mirror.fetch(req.project, req.gitUrl, { branch: req.branch }),
      checkBranchName(target.branch),
    ]);
    const mirror = this.#git(gitDir, req.signal);
    const fetched = took();
    const { start, baseNote } = await this.#base(mirror, req);
    const settings = amSettings(gitDir, mirror);
    const fast = await this.#fastApply(req, mirror, start, settings);
    if (fast.declined === null && fast.base && fast.head) {
      const ms = { fetch: fetched, apply: took(), push: 0 };
      hooks.beforePush?.(fast.base, fast.head);
      await Promise.all([
        this.#mirror.push(req.project, { ...pushOf(req, fast.base, fast.head), drop: [fast.ref] }),
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
        (dir) => this.#git(dir, req.signal),
        head,
        (work) => this.#mirror.exclusive(req.project, work),
      );
      const git = this.#git(lent.dir, req.signal);
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
          mailDir: this.#mirror.workDir,
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
      await this.#mirror.push(req.project, pushOf(req, base, head));
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
        this.#mirror.dropRefs(req.project, refs),
      ]);
    }
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
    const ref = this.#mirror.workRef();
    try {
      const outcome = await fastApply({
        gitDir: this.#mirror.gitDir(req.project),
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
      if (err instanceof ToolError && err.outcome !== 'failed') throw err;
      // git itself failed somewhere on the way: `git am` gets the series and says what is wrong.
      this.#opts.log.warn(
        { project: req.project, err: errorMessage(err) },
        'fast path failed; applying with git am',
      );
      await this.#mirror.dropRefs(req.project, [ref]);
      const declined = `fast path failed: ${errorMessage(err)}`;
      return { applied: 0, base: null, head: null, declined, byPatch: false, ref };
    }
  }

  #pool(project: string): WorktreePool {
    let pool = this.#pools.get(project);
    if (!pool) {
      pool = new WorktreePool(join(this.#mirror.workDir, 'worktrees', project));
      this.#pools.set(project, pool);
    }
    return pool;
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

  #committer(): { name: string; email: string } {
    return this.#opts.committer ?? { name: 'patchferry', email: 'patchferry@localhost' };
  }

  /** git in `baseDir` as the committer, stopped (with what it started) when the series' unit is. */
  #git(baseDir: string, signal?: AbortSignal): Git {
    const who = this.#committer();
    return gitAt({
      cwd: baseDir,
      config: [`user.name=${who.name}`, `user.email=${who.email}`],
      ...(signal ? { signal } : {}),
    });
  }
}

/** One application under way: what the git am path needs from the steps before it. */
interface ApplyRun {
  readonly req: ApplyRequest;
  readonly hooks: ApplyHooks;
  /** git in the project's mirror, as the committer. */
  readonly mirror: Git;
  readonly start: string;
  readonly baseNote: string | null;
  /** The stopwatch of the application's steps, and the fetch it timed. */
  readonly took: () => number;
  readonly fetched: number;
  /** The repository's git am settings, read once for every fast-path attempt. */
  readonly settings: Promise<string | null>;
}

/** Where the commits from `base` to `head` go, and the version they are kept as. */
function pushOf(req: ApplyRequest, base: string, head: string): MirrorPush {
  const target = req.pushTo ?? { branch: req.branch, force: false };
  return {
    gitUrl: req.gitUrl,
    branch: target.branch,
    force: target.force,
    base,
    head,
    ...(req.keepAs ? { keepAs: req.keepAs } : {}),
  };
}

async function checkBranchName(branch: string): Promise<void> {
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
