import { createHash } from 'node:crypto';
import type {
  Applier,
  ApplyHooks,
  ApplyRequest,
  ApplyResult,
  Repository,
} from '../../src/ports/repository.ts';

/** Repositories in memory: each branch a list of commits (patch subjects); applying appends the
 * series' patches as commits with ids made from their content. `throwFor` makes the application
 * of the series whose workName it names throw, as a git that crashed would. */
export class FakeGit implements Applier, Repository {
  readonly branches = new Map<string, string[]>();
  readonly applied: ApplyRequest[] = [];
  readonly #throwFor = new Set<string>();

  throwFor(workName: string): void {
    this.#throwFor.add(workName);
  }

  async apply(request: ApplyRequest, hooks: ApplyHooks = {}): Promise<ApplyResult> {
    if (this.#throwFor.has(request.workName)) throw new Error(`git crashed applying ${request.workName}`);
    const target = request.pushTo?.branch ?? request.branch;
    const base = this.#tip(request.project, request.branch);
    const commits = [...this.#commits(request.project, request.branch)];
    for (const p of request.patches) commits.push(sha(`${commits.at(-1) ?? ''}:${p.subject}`));
    const head = commits.at(-1) ?? base;
    hooks.beforePush?.(base, head);
    this.branches.set(`${request.project}:${target}`, commits);
    this.applied.push(request);
    return { ok: true, base, head, baseNote: null };
  }

  contains(project: string, _gitUrl: string, branch: string, commit: string): Promise<boolean> {
    return Promise.resolve(this.#commits(project, branch).includes(commit));
  }

  /** Nothing is found applied already: FakeGit's branches hold subjects, not changes. */
  appliedOn(): Promise<null> {
    return Promise.resolve(null);
  }

  /** No commit carries a patch: FakeGit's branches hold subjects, not changes. */
  branchPatchIds(): Promise<ReadonlyMap<string, string>> {
    return Promise.resolve(new Map());
  }

  mergedBase(): Promise<null> {
    return Promise.resolve(null);
  }

  exportTree(): Promise<void> {
    return Promise.resolve();
  }

  /** The count is the commit's position on the first branch that holds it; the date a fixed one. */
  commitFacts(project: string, _gitUrl: string, commit: string) {
    for (const [key, commits] of this.branches) {
      const at = commits.indexOf(commit);
      if (key.startsWith(`${project}:`) && at >= 0)
        return Promise.resolve({ count: at + 2, date: Date.UTC(2026, 0, 2), sha: commit });
    }
    return Promise.resolve({ count: 1, date: Date.UTC(2026, 0, 1), sha: commit });
  }

  /** Every commit exists but those listed in `missing`. */
  readonly missing = new Set<string>();

  hasCommit(_project: string, _gitUrl: string, commit: string): Promise<boolean> {
    return Promise.resolve(!this.missing.has(commit));
  }

  branchTip(project: string, _gitUrl: string, branch: string): Promise<string> {
    return Promise.resolve(this.#tip(project, branch));
  }

  rangeDiff(): Promise<string> {
    return Promise.resolve('');
  }

  #commits(project: string, branch: string): string[] {
    return this.branches.get(`${project}:${branch}`) ?? [sha(`${project}:${branch}:root`)];
  }

  #tip(project: string, branch: string): string {
    return this.#commits(project, branch).at(-1) ?? '';
  }
}

function sha(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}
