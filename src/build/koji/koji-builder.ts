import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { ArchBuild, BuildProgress, BuildRequest, BuildResult, Builder } from '../../ports/builder.ts';
import { classifyFailure, type FailureCause } from '../../rpm/failure.ts';
import { errorMessage } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import type { KojiClient } from './client.ts';
import { FAULT, KojiError } from './errors.ts';
import { isDone, type TaskPoller, type TaskTree } from './poller.ts';
import { TASK_STATE, buildTarget, kojiInt, tagInfo, type TaskInfo } from './schemas.ts';
import { downloadTaskRpms, taskFileUrl, taskLogTail } from './task-output.ts';
import { uploadSrpm } from './upload.ts';

export interface KojiBuilderOptions {
  readonly client: KojiClient;
  readonly poller: TaskPoller;
  /** The hub's file root (`https://kojipkgs.example.org`), under which `work/tasks/…` is served. */
  readonly topurl: string;
  readonly log: Logger;
  /** How often a pending build is looked at again (ms); 30 s when absent. */
  readonly pollMs?: number;
  /** A build still running this long after it was submitted (ms) is canceled; 12 hours when absent. */
  readonly timeoutMs?: number;
  /** Koji's priority offset for `build` (lower is sooner; the CLI's --background is 5); the hub's
   * default when absent. */
  readonly priority?: number;
  /** The SCM URL Koji builds a request from (`git+https://host/repo.git#<sha>`) when the project's
   * forge is one Koji trusts (its allowed_scms); null: upload the SRPM. */
  readonly scmUrl?: (request: BuildRequest) => string | null;
  /** Bytes of build.log and root.log read for the error lines of a failed arch; 64 KiB when absent. */
  readonly tailBytes?: number;
  readonly now?: () => number;
}

/** What a build unit stores while Koji works: enough to find the task after a restart. */
const handleSchema = z.object({ taskId: z.number().int(), submittedAt: z.number() });
type Handle = z.infer<typeof handleSchema>;

const SRPM_METHODS = ['buildSRPMFromSCM', 'rebuildSRPM'];

/**
 * Builds targets on a Koji hub. `start` checks the target (the hub does not) and that its
 * destination tag is not locked, uploads the SRPM (or names the commit's SCM URL), submits and
 * answers `pending` with the task id; `check` reads the task tree from the shared TaskPoller (one
 * multiCall per round for every build), cancels a build past its time limit, and when the task
 * ends downloads and verifies the RPMs of every arch, or classes the failure from the failing arch's
 * build.log and root.log tails. A hub that cannot be asked during `check` leaves the build pending.
 */
export class KojiBuilder implements Builder {
  readonly #o: KojiBuilderOptions;
  readonly #now: () => number;

  constructor(o: KojiBuilderOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
  }

  async start(req: BuildRequest): Promise<BuildProgress> {
    const log = this.#log(req);
    const targetName = req.target.kojiTarget;
    if (!targetName) {
      throw new KojiError(
        'koji_config',
        `platforms.${req.target.name}.kojiTarget is not set: name the Koji build target to build it on`,
      );
    }
    const target = await this.#o.client.call('getBuildTarget', [targetName, null, false], buildTarget, {
      signal: req.signal,
    });
    if (!target) {
      throw new KojiError(
        'koji_target_invalid',
        `Koji has no build target "${targetName}": check platforms.${req.target.name}.kojiTarget (koji list-targets)`,
      );
    }
    if (!req.scratch) {
      const tag = await this.#o.client.call('getTag', [target.dest_tag], tagInfo, { signal: req.signal });
      if (tag?.locked) {
        throw new KojiError(
          'koji_target_invalid',
          `Koji's tag ${tag.name} (the destination of ${targetName}) is locked; retrying later`,
          {
            retryable: true,
          },
        );
      }
    }
    const src =
      this.#o.scmUrl?.(req) ?? (await uploadSrpm(this.#o.client, req.srpm.path, { signal: req.signal }));
    const opts = req.scratch ? { scratch: true } : {};
    const params =
      this.#o.priority === undefined ? [src, targetName, opts] : [src, targetName, opts, this.#o.priority];
    const taskId = await this.#o.client
      .call('build', params, kojiInt, { signal: req.signal, session: true })
      .catch((err: unknown) => {
        if (
          !(err instanceof KojiError) ||
          err.fault !== FAULT.notAllowed ||
          req.scratch ||
          this.#o.scmUrl?.(req)
        )
          throw err;
        // Koji's default build_from_srpm policy: only admins build real builds from an SRPM.
        throw new KojiError(
          'koji_config',
          `${err.message}: allow the Koji user to build from an SRPM (the hub's build_from_srpm policy), or build from the forge with projects.${req.project}.kojiScm`,
          { cause: err, fault: FAULT.notAllowed },
        );
      });
    this.#o.poller.watch(taskId);
    log.info({ taskId, src, kojiTarget: targetName, scratch: req.scratch }, 'Koji build submitted');
    const handle: Handle = { taskId, submittedAt: this.#now() };
    return this.#pending(handle);
  }

  async check(raw: string, req: BuildRequest): Promise<BuildProgress> {
    const handle = parseHandle(raw);
    let tree: TaskTree;
    try {
      tree = await this.#o.poller.tree(handle.taskId);
    } catch (err) {
      if (!(err instanceof KojiError) || !err.retryable) throw err;
      this.#log(req).warn(
        { taskId: handle.taskId, err: err.message },
        'Koji hub not answering; build still pending',
      );
      return this.#pending(handle);
    }
    if (!isDone(tree.top)) {
      const limit = this.#o.timeoutMs ?? 12 * 3600_000;
      if (this.#now() - handle.submittedAt < limit) return this.#pending(handle);
      await this.cancel(raw);
      return {
        done: await this.#failed(
          req,
          tree,
          'timeout',
          `the Koji build ran past its time limit (${Math.round(limit / 60_000)} min) and was canceled`,
        ),
      };
    }
    if (tree.top.state === TASK_STATE.CLOSED) {
      try {
        return { done: await this.#succeeded(req, tree) };
      } catch (err) {
        // A download that broke off is tried again at the next poll: submitting again would build
        // the same NVR twice, which Koji refuses for a real build.
        if (!(err instanceof KojiError) || !err.retryable) throw err;
        this.#log(req).warn(
          { taskId: handle.taskId, err: err.message },
          'Koji results not fetched; trying again',
        );
        return this.#pending(handle);
      }
    }
    if (tree.top.state === TASK_STATE.CANCELED) {
      return { done: await this.#failed(req, tree, 'canceled', `Koji task ${tree.top.id} was canceled`) };
    }
    return { done: await this.#failed(req, tree, 'exit', `Koji task ${tree.top.id} failed`) };
  }

  async cancel(raw: string): Promise<void> {
    const { taskId } = parseHandle(raw);
    await this.#o.client.call('cancelTask', [taskId, true], z.unknown(), { session: true });
    this.#o.log.info({ taskId }, 'Koji build canceled');
  }

  /** Cancels every build this process is watching: on shutdown, when configured to. */
  async cancelWatched(): Promise<void> {
    for (const taskId of this.#o.poller.watching()) {
      await this.cancel(JSON.stringify({ taskId, submittedAt: 0 })).catch((err: unknown) =>
        this.#o.log.warn({ taskId, err: errorMessage(err) }, 'cannot cancel a Koji build'),
      );
    }
  }

  async logTail(log: string, lines: number): Promise<string | null> {
    const m = /\/work\/tasks\/\d+\/(\d+)\/([^/]+)$/.exec(log);
    if (!m) return null;
    const text = await taskLogTail(
      this.#o.client,
      Number(m[1]),
      m[2] as string,
      this.#o.tailBytes ?? 65_536,
    ).catch(() => null);
    return text === null ? null : text.trimEnd().split('\n').slice(-lines).join('\n');
  }

  async #succeeded(req: BuildRequest, tree: TaskTree): Promise<BuildResult> {
    const arches: ArchBuild[] = [];
    for (const [arch, task] of this.#byArch(req, tree)) {
      if (!task) {
        arches.push({ arch, state: 'skipped', rpms: [], log: null, reason: skipReason(tree) });
        continue;
      }
      const dir = join(req.outDir, arch);
      await mkdir(dir, { recursive: true });
      const rpms = await downloadTaskRpms(this.#o.client, this.#o.topurl, task.id, dir, {
        signal: req.signal,
      });
      arches.push({ arch, state: 'succeeded', rpms, log: this.#url(task, 'build.log'), reason: null });
    }
    this.#log(req).info(
      { taskId: tree.top.id, rpms: arches.reduce((n, a) => n + a.rpms.length, 0) },
      'Koji build succeeded',
    );
    return {
      state: 'succeeded',
      arches,
      srpm: req.srpm.path,
      log: arches.find((a) => a.log)?.log ?? null,
      failure: null,
      taskId: tree.top.id,
    };
  }

  async #failed(
    req: BuildRequest,
    tree: TaskTree,
    cause: FailureCause,
    message: string,
  ): Promise<BuildResult> {
    const pairs = this.#byArch(req, tree);
    const srpmTask = tree.children.find((t) => SRPM_METHODS.includes(t.method)) ?? null;
    const culprit =
      (srpmTask?.state === TASK_STATE.FAILED ? srpmTask : null) ??
      pairs.map(([, t]) => t).find((t) => t?.state === TASK_STATE.FAILED) ??
      null;
    let buildLog: string | null = null;
    let rootLog: string | null = null;
    let hubMessage = message;
    if (culprit) {
      const bytes = this.#o.tailBytes ?? 65_536;
      [buildLog, rootLog] = await Promise.all([
        taskLogTail(this.#o.client, culprit.id, 'build.log', bytes, req.signal).catch(() => null),
        taskLogTail(this.#o.client, culprit.id, 'root.log', bytes, req.signal).catch(() => null),
      ]);
      hubMessage = `${message}: ${culprit.method} ${culprit.arch === 'noarch' ? '' : `(${culprit.arch}) `}failed`;
    }
    const failure = classifyFailure({
      cause: cause === 'exit' && !culprit ? 'hub-fault' : cause,
      message: hubMessage,
      buildLog,
      rootLog,
      arch: culprit && culprit.method === 'buildArch' ? culprit.arch : null,
    });
    const arches: ArchBuild[] = pairs.map(([arch, t]) => ({
      arch,
      state: !t ? 'skipped' : t.state === TASK_STATE.CLOSED ? 'succeeded' : 'failed',
      rpms: [],
      log: t ? this.#url(t, 'build.log') : null,
      reason: !t ? skipReason(tree) : t.state === TASK_STATE.CLOSED ? null : stateName(t),
    }));
    const log = culprit ? this.#url(culprit, 'build.log') : null;
    this.#log(req).warn(
      { taskId: tree.top.id, class: failure.class, arch: failure.arch },
      'Koji build failed',
    );
    return { state: 'failed', arches, srpm: req.srpm.path, log, failure, taskId: tree.top.id };
  }

  /** The target's arches, each with the buildArch task that built it; a noarch package is built once,
   * as `noarch`, which stands for every arch of the target. */
  #byArch(req: BuildRequest, tree: TaskTree): [string, TaskInfo | null][] {
    const archTasks = tree.children.filter((t) => t.method === 'buildArch');
    const noarch = archTasks.find((t) => t.arch === 'noarch') ?? null;
    const pairs: [string, TaskInfo | null][] = req.target.arches.map((arch) => [
      arch,
      archTasks.find((t) => t.arch === arch) ?? null,
    ]);
    if (noarch && !req.target.arches.includes('noarch')) pairs.push(['noarch', noarch]);
    return pairs;
  }

  #url(task: TaskInfo, file: string): string {
    return taskFileUrl(this.#o.topurl, task.id, file);
  }

  #pending(handle: Handle): BuildProgress {
    return {
      pending: { handle: JSON.stringify(handle), pollMs: this.#o.pollMs ?? 30_000, taskId: handle.taskId },
    };
  }

  #log(req: BuildRequest): Logger {
    return this.#o.log.child({
      project: req.project,
      branch: req.branch,
      commit: req.commit,
      target: req.target.name,
    });
  }
}

function parseHandle(raw: string): Handle {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = null;
  }
  const h = handleSchema.safeParse(parsed);
  if (!h.success) throw new KojiError('koji_config', `not a Koji build handle: ${raw.slice(0, 100)}`);
  return h.data;
}

function skipReason(tree: TaskTree): string {
  return tree.children.some((t) => t.method === 'buildArch' && t.arch === 'noarch')
    ? 'a noarch package: Koji built it once, as noarch'
    : "Koji built no task for this arch (the build tag's arches or the spec's ExclusiveArch)";
}

function stateName(t: TaskInfo): string {
  const name = Object.entries(TASK_STATE).find(([, v]) => v === t.state)?.[0] ?? String(t.state);
  return `Koji task ${t.id} ${name.toLowerCase()}`;
}
