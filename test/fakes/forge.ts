import {
  ForgeError,
  type Comment,
  type CommitStatus,
  type Forge,
  type MergeRequest,
  type MergeRequestFields,
} from '../../src/ports/forge.ts';

type Method =
  | 'findBySourceBranch'
  | 'open'
  | 'update'
  | 'get'
  | 'mergedWith'
  | 'comment'
  | 'comments'
  | 'editComment'
  | 'close'
  | 'setStatus';

/** A forge in memory, with the port's whole behaviour: merge requests found by source branch,
 * comments listed and edited, statuses. `failNext` makes the next calls of a method answer 503. */
export class FakeForge implements Forge {
  readonly kind = 'gitlab' as const;
  readonly mergeRequests: (MergeRequest & { project: string })[] = [];
  readonly notes = new Map<string, Comment[]>();
  readonly statuses: { project: string; sha: string; status: CommitStatus }[] = [];
  readonly calls: Method[] = [];
  readonly #failures = new Map<Method, number>();
  #ids = 100;

  failNext(method: Method, times = 1): void {
    this.#failures.set(method, times);
  }

  /** A reviewer merges in the web UI. */
  merge(project: string, number: number, mergeSha: string): void {
    const mr = this.#mr(project, number);
    this.#replace(mr, { state: 'merged', mergeSha });
  }

  commentsOn(project: string, number: number): Comment[] {
    return this.notes.get(`${project}#${number}`) ?? [];
  }

  findBySourceBranch(project: string, sourceBranch: string): Promise<MergeRequest | null> {
    return this.#call('findBySourceBranch', () => {
      const found = this.mergeRequests.filter(
        (m) => m.project === project && m.sourceBranch === sourceBranch,
      );
      return found.at(-1) ?? null;
    });
  }

  open(project: string, sourceBranch: string, fields: MergeRequestFields): Promise<MergeRequest> {
    return this.#call('open', () => {
      const number = this.mergeRequests.filter((m) => m.project === project).length + 1;
      const mr = {
        project,
        number,
        url: `https://forge.example/${project}/-/merge_requests/${number}`,
        state: 'open' as const,
        sourceBranch,
        targetBranch: fields.targetBranch,
        title: fields.title,
        description: fields.description,
        headSha: null,
        mergeSha: null,
      };
      this.mergeRequests.push(mr);
      return mr;
    });
  }

  update(project: string, number: number, fields: Partial<MergeRequestFields>): Promise<MergeRequest> {
    return this.#call('update', () => this.#replace(this.#mr(project, number), fields));
  }

  get(project: string, number: number): Promise<MergeRequest> {
    return this.#call('get', () => this.#mr(project, number));
  }

  /** Merged into `branch` by the merge commit `sha` (this fake knows no other commits of an MR). */
  mergedWith(project: string, branch: string, sha: string): Promise<readonly MergeRequest[]> {
    return this.#call('mergedWith', () =>
      this.mergeRequests.filter(
        (m) =>
          m.project === project && m.state === 'merged' && m.targetBranch === branch && m.mergeSha === sha,
      ),
    );
  }

  comment(project: string, number: number, body: string): Promise<void> {
    return this.#call('comment', () => {
      this.#mr(project, number);
      const key = `${project}#${number}`;
      this.notes.set(key, [...(this.notes.get(key) ?? []), { id: this.#ids++, body }]);
    });
  }

  comments(project: string, number: number): Promise<readonly Comment[]> {
    return this.#call('comments', () => [...this.commentsOn(project, number)]);
  }

  editComment(project: string, number: number, commentId: number, body: string): Promise<void> {
    return this.#call('editComment', () => {
      const key = `${project}#${number}`;
      const list = this.notes.get(key) ?? [];
      if (!list.some((c) => c.id === commentId)) throw new ForgeError('forge_not_found', 'no such note', 404);
      this.notes.set(
        key,
        list.map((c) => (c.id === commentId ? { id: c.id, body } : c)),
      );
    });
  }

  close(project: string, number: number): Promise<MergeRequest> {
    return this.#call('close', () => this.#replace(this.#mr(project, number), { state: 'closed' }));
  }

  setStatus(project: string, sha: string, status: CommitStatus): Promise<void> {
    return this.#call('setStatus', () => {
      this.statuses.push({ project, sha, status });
    });
  }

  async #call<T>(method: Method, work: () => T): Promise<T> {
    this.calls.push(method);
    const left = this.#failures.get(method) ?? 0;
    if (left > 0) {
      this.#failures.set(method, left - 1);
      throw new ForgeError('forge_unavailable', `fake forge: ${method} answered 503`, 503);
    }
    return work();
  }

  #mr(project: string, number: number): MergeRequest & { project: string } {
    const mr = this.mergeRequests.find((m) => m.project === project && m.number === number);
    if (!mr) throw new ForgeError('forge_not_found', `no merge request !${number} in ${project}`, 404);
    return mr;
  }

  #replace(
    mr: MergeRequest & { project: string },
    change: Partial<MergeRequestFields> & Partial<Pick<MergeRequest, 'state' | 'mergeSha'>>,
  ): MergeRequest {
    const next = {
      ...mr,
      ...(change.title !== undefined ? { title: change.title } : {}),
      ...(change.description !== undefined ? { description: change.description } : {}),
      ...(change.targetBranch !== undefined ? { targetBranch: change.targetBranch } : {}),
      ...(change.state !== undefined ? { state: change.state } : {}),
      ...(change.mergeSha !== undefined ? { mergeSha: change.mergeSha } : {}),
    };
    this.mergeRequests[this.mergeRequests.indexOf(mr)] = next;
    return next;
  }
}
