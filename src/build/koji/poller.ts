import { z } from 'zod';
import { sleep } from '../../shared/backoff.ts';
import type { Logger } from '../../shared/log.ts';
import type { KojiClient } from './client.ts';
import { KojiError } from './errors.ts';
import { TASK_STATE, taskInfo, type TaskInfo } from './schemas.ts';

/** A build task and its children (the SRPM task, one buildArch per arch) as of one poll round. */
export interface TaskTree {
  readonly top: TaskInfo;
  readonly children: readonly TaskInfo[];
  /** When the round that saw it answered (ms since the epoch). */
  readonly at: number;
}

const DONE: readonly number[] = [TASK_STATE.CLOSED, TASK_STATE.CANCELED, TASK_STATE.FAILED];

export function isDone(task: TaskInfo): boolean {
  return DONE.includes(task.state);
}

export interface TaskPollerOptions {
  readonly client: KojiClient;
  readonly log: Logger;
  /** An answer younger than this (ms) is given again instead of asking the hub; default 10 s. */
  readonly freshMs?: number;
  /** How long a round waits for more askers before it goes (ms); default 25. */
  readonly gatherMs?: number;
  /** A task nobody asked about for this long (ms) is no longer polled; default 10 minutes. */
  readonly forgetMs?: number;
  readonly now?: () => number;
}

const answerSchema = z.union([taskInfo.nullable(), z.array(taskInfo)]);

interface Round {
  done: Promise<void>;
  started: boolean;
}

/**
 * Watches every running Koji build of this process with one `multiCall` per round, however many
 * builds there are: a round asks `getTaskInfo` and `getTaskChildren` of every watched task, and every
 * unit asking about any of them within `freshMs` of that round gets its answer without another call.
 * So 50 builds of 3 arches cost one request per poll, not 50 (the CLI's `watch-task` asks per task).
 */
export class TaskPoller {
  readonly #o: TaskPollerOptions;
  readonly #now: () => number;
  readonly #watched = new Map<number, number>();
  readonly #latest = new Map<number, TaskTree | KojiError>();
  #next: Round | null = null;
  #rounds = 0;

  constructor(o: TaskPollerOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
  }

  /** How many multiCalls the poller has made. */
  get rounds(): number {
    return this.#rounds;
  }

  /** The tasks the rounds ask about now. */
  watching(): number[] {
    return [...this.#watched.keys()];
  }

  /** Adds a task to the rounds (a build just submitted, or found stored after a restart). */
  watch(taskId: number): void {
    this.#watched.set(taskId, this.#now());
  }

  /** The task tree of `taskId` from a round younger than `freshMs`, or from the next round.
   * Errors: the round's KojiError when the hub could not be asked; `koji_fault` when the task
   * does not exist. A finished task is dropped from later rounds. */
  async tree(taskId: number): Promise<TaskTree> {
    this.watch(taskId);
    let got = this.#latest.get(taskId);
    if (!got || got instanceof KojiError || this.#now() - got.at >= (this.#o.freshMs ?? 10_000)) {
      await this.#round();
      got = this.#latest.get(taskId);
    }
    if (!got)
      throw new KojiError('koji_fault', `Koji task ${taskId}: no answer from the last poll`, {
        retryable: true,
      });
    if (got instanceof KojiError) throw got;
    if (isDone(got.top)) {
      this.#watched.delete(taskId);
      this.#latest.delete(taskId);
    }
    return got;
  }

  /** Joins the round that has not gone yet, or starts one; a round in flight may predate the asker. */
  #round(): Promise<void> {
    if (this.#next && !this.#next.started) return this.#next.done;
    const round: Round = { started: false, done: Promise.resolve() };
    this.#next = round;
    round.done = sleep(this.#o.gatherMs ?? 25).then(() => {
      round.started = true;
      return this.#poll();
    });
    return round.done;
  }

  /** One multiCall for every watched task; a round is never stopped by one asker's signal, since
   * others wait on it too (the client's time limit bounds it). */
  async #poll(): Promise<void> {
    const now = this.#now();
    for (const [id, asked] of this.#watched)
      if (now - asked > (this.#o.forgetMs ?? 600_000)) this.#watched.delete(id);
    const ids = [...this.#watched.keys()];
    const calls = ids.flatMap((id) => [
      { method: 'getTaskInfo', params: [id, false, false], schema: answerSchema },
      { method: 'getTaskChildren', params: [id, false, false], schema: answerSchema },
    ]);
    this.#rounds++;
    let answers: (z.output<typeof answerSchema> | KojiError)[];
    try {
      answers = await this.#o.client.multiCall(calls);
    } catch (err) {
      const error =
        err instanceof KojiError
          ? err
          : new KojiError('koji_network', String(err), { retryable: true, cause: err });
      for (const id of ids) this.#latest.set(id, error);
      return;
    }
    const at = this.#now();
    ids.forEach((id, i) => {
      const info = answers[2 * i];
      const kids = answers[2 * i + 1];
      if (info instanceof KojiError) return this.#latest.set(id, info);
      if (kids instanceof KojiError) return this.#latest.set(id, kids);
      if (!info || Array.isArray(info)) {
        return this.#latest.set(id, new KojiError('koji_fault', `Koji task ${id} does not exist on the hub`));
      }
      this.#latest.set(id, { top: info, children: Array.isArray(kids) ? kids : [], at });
    });
    this.#o.log.debug({ tasks: ids.length }, 'Koji tasks polled');
  }
}
