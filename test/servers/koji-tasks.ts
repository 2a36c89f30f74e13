/** The task side of the test Koji hub: a build task, its SRPM child and one buildArch child per
 * arch, moving FREE → ASSIGNED → OPEN → CLOSED/FAILED one step per `tick()` (the 1.35 scheduler shows
 * ASSIGNED between FREE and OPEN), writing the files a real builder uploads to the task's directory. */

export const STATE = { FREE: 0, OPEN: 1, CLOSED: 2, CANCELED: 3, ASSIGNED: 4, FAILED: 5 } as const;
const DONE: readonly number[] = [STATE.CLOSED, STATE.CANCELED, STATE.FAILED];

export interface HubTask {
  readonly id: number;
  readonly method: 'build' | 'buildSRPMFromSCM' | 'rebuildSRPM' | 'buildArch';
  readonly arch: string;
  readonly parent: number | null;
  readonly owner: string;
  readonly priority: number;
  state: number;
  completion_ts: number | null;
  /** A finished task's result; `fault` for a failed one. */
  result: unknown;
  fault: { faultCode: number; faultString: string } | null;
  readonly files: Map<string, Buffer>;
  readonly build: BuildSpec;
}

export interface BuildSpec {
  readonly src: string;
  readonly target: string;
  readonly scratch: boolean;
  /** name-version-release the package builds as. */
  readonly nvr: string;
  readonly arches: readonly string[];
}

/** How one arch of one build ends; the test decides (`KojiHub.outcome`). */
export type ArchOutcome =
  | { readonly ok: true; readonly rpms: readonly { readonly name: string; readonly data: Buffer }[] }
  | { readonly ok: false; readonly buildLog: string; readonly rootLog: string };

export class TaskBoard {
  readonly tasks = new Map<number, HubTask>();
  #nextId = 1000;
  outcome: (build: BuildSpec, arch: string) => ArchOutcome = (build, arch) => ({
    ok: true,
    rpms: [{ name: `${build.nvr}.${arch}.rpm`, data: Buffer.from(`rpm of ${build.nvr} for ${arch}\n`) }],
  });

  /** Ids start high enough that `{id % 10000}` and `{id}` differ in the file layout. */
  constructor(firstId = 12_345) {
    this.#nextId = firstId;
  }

  submit(build: BuildSpec, owner: string, priority: number): HubTask {
    return this.#add('build', 'noarch', null, owner, priority, build);
  }

  children(id: number): HubTask[] {
    return [...this.tasks.values()].filter((t) => t.parent === id);
  }

  cancel(id: number): void {
    const task = this.tasks.get(id);
    if (!task) return;
    if (!DONE.includes(task.state)) this.#finish(task, STATE.CANCELED);
    for (const child of this.children(id)) this.cancel(child.id);
  }

  /** Moves every unfinished task one step. */
  tick(): void {
    for (const task of [...this.tasks.values()]) {
      if (DONE.includes(task.state)) continue;
      if (task.state === STATE.FREE) task.state = STATE.ASSIGNED;
      else if (task.state === STATE.ASSIGNED) this.#open(task);
      else this.#step(task);
    }
  }

  /** Ticks until every task is done; returns how many ticks it took. */
  settle(max = 100): number {
    for (let n = 1; n <= max; n++) {
      this.tick();
      if ([...this.tasks.values()].every((t) => DONE.includes(t.state))) return n;
    }
    throw new Error('test hub: tasks did not settle');
  }

  #open(task: HubTask): void {
    task.state = STATE.OPEN;
    if (task.method === 'build') {
      const scm = task.build.src.startsWith('git');
      this.#add(
        scm ? 'buildSRPMFromSCM' : 'rebuildSRPM',
        'noarch',
        task.id,
        task.owner,
        task.priority,
        task.build,
      );
    }
  }

  #step(task: HubTask): void {
    const { build } = task;
    if (task.method === 'buildSRPMFromSCM' || task.method === 'rebuildSRPM') {
      const srpm = `${build.nvr}.src.rpm`;
      task.files.set(srpm, Buffer.from(`srpm of ${build.nvr}\n`));
      task.files.set('build.log', Buffer.from(`Wrote: /builddir/build/SRPMS/${srpm}\n`));
      task.result = {
        srpm: `${taskDir(task.id)}/${srpm}`,
        logs: [`${taskDir(task.id)}/build.log`],
        brootid: task.id,
      };
      this.#finish(task, STATE.CLOSED);
      return;
    }
    if (task.method === 'buildArch') {
      const outcome = this.outcome(build, task.arch);
      if (outcome.ok) {
        for (const rpm of outcome.rpms) task.files.set(rpm.name, rpm.data);
        task.files.set('build.log', Buffer.from(`Executing(%build)\n+ exit 0\n`));
        task.files.set('root.log', Buffer.from(`DEBUG util.py: Child return code was: 0\n`));
        const dir = taskDir(task.id);
        task.result = {
          rpms: outcome.rpms.map((r) => `${dir}/${r.name}`),
          srpms: [],
          logs: [`${dir}/build.log`, `${dir}/root.log`],
          brootid: task.id,
        };
        this.#finish(task, STATE.CLOSED);
      } else {
        task.files.set('build.log', Buffer.from(outcome.buildLog));
        task.files.set('root.log', Buffer.from(outcome.rootLog));
        task.fault = {
          faultCode: 1005,
          faultString: `error building package (arch ${task.arch}), mock exited with status 1; see build.log or root.log for more information`,
        };
        this.#finish(task, STATE.FAILED);
      }
      return;
    }
    // The build task: starts the arches once the SRPM is made, ends when they all have.
    const kids = this.children(task.id);
    const srpmTask = kids.find((k) => k.method !== 'buildArch');
    if (!srpmTask || !DONE.includes(srpmTask.state)) return;
    if (!kids.some((k) => k.method === 'buildArch')) {
      for (const arch of build.arches)
        this.#add('buildArch', arch, task.id, task.owner, task.priority, build);
      return;
    }
    if (!kids.every((k) => DONE.includes(k.state))) return;
    const failed = kids.find((k) => k.state === STATE.FAILED);
    if (failed) {
      task.fault = failed.fault;
      this.#finish(task, STATE.FAILED);
    } else {
      task.result = null;
      this.#finish(task, STATE.CLOSED);
    }
  }

  #finish(task: HubTask, state: number): void {
    task.state = state;
    task.completion_ts = Date.now() / 1000;
  }

  #add(
    method: HubTask['method'],
    arch: string,
    parent: number | null,
    owner: string,
    priority: number,
    build: BuildSpec,
  ): HubTask {
    const task: HubTask = {
      id: this.#nextId++,
      method,
      arch,
      parent,
      owner,
      priority,
      state: STATE.FREE,
      completion_ts: null,
      result: null,
      fault: null,
      files: new Map(),
      build,
    };
    this.tasks.set(task.id, task);
    return task;
  }
}

/** A task's directory under the hub's `work/` (koji.pathinfo.task): `tasks/{id % 10000}/{id}`. */
export function taskDir(id: number): string {
  return `tasks/${id % 10000}/${id}`;
}

export function taskRow(t: HubTask): Record<string, unknown> {
  return {
    id: t.id,
    state: t.state,
    method: t.method,
    arch: t.arch,
    label: t.method === 'buildArch' ? t.arch : null,
    parent: t.parent,
    owner: 1,
    host_id: t.state === STATE.FREE ? null : 1,
    priority: t.priority,
    completion_ts: t.completion_ts,
    completion_time:
      t.completion_ts === null
        ? null
        : new Date(t.completion_ts * 1000).toISOString().replace('T', ' ').replace('Z', '+00:00'),
  };
}
