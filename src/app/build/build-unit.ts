import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import type { BuildRequest, BuildResult, SourcePackage } from '../../ports/builder.ts';
import { UNKNOWN_COMMIT } from '../../ports/repository.ts';
import type { BuildRecord } from '../../ports/store.ts';
import { failureLabel, type BuildFailure } from '../../rpm/failure.ts';
import { PatchferryError, errorMessage } from '../../shared/errors.ts';
import { buildUnit, unitKey, type BuildUnit } from '../../work/units.ts';
import { done, waitFor, type RunningUnit, type UnitHandler, type UnitOutcome } from '../../work/worker.ts';
import type { Deps } from '../deps.ts';
import { queueStatusRefresh } from '../report/status.ts';
import { publishLogs } from './build-logs.ts';
import type { BuildOutcome } from './build.ts';
import { queuePrebuildReport } from './prebuild.ts';
import { archLabel, infrastructureRetries, targetOf } from './targets.ts';

const MERGE_REQUEST_WAIT_MS = 10_000;

type UnitDeps = Pick<Deps, 'config' | 'log' | 'store' | 'repository' | 'builder' | 'packager' | 'buildLogs'>;

/** What a build unit stores while its build runs elsewhere: the builder's handle and what the
 * request it was started with needs again, so a restarted process checks, never starts again. */
const waiting = z.object({
  handle: z.string(),
  srpm: z.object({ path: z.string(), name: z.string(), version: z.string(), release: z.string() }),
  outDir: z.string(),
});

/**
 * The unit that builds one commit for one target from the commit's SRPM (made once per commit),
 * and queues its publication (or, for a scratch build, its report on the merge request). A build
 * that runs elsewhere (Koji) stores its handle and yields. Infrastructure failures are retried
 * with the worker's backoff up to `builder.infrastructureRetries`; patch failures are final.
 */
export function buildHandler(deps: UnitDeps, outcome: (o: BuildOutcome) => void): UnitHandler<BuildUnit> {
  return {
    schema: buildUnit,
    async run(u, unit): Promise<UnitOutcome> {
      const proj = deps.config.projects[u.project];
      const target = targetOf(deps.config, u.platform);
      if (!proj || !target)
        throw new PatchferryError(
          'config_target_gone',
          `${u.project}/${u.platform} is no longer configured; the build of ${u.commit.slice(0, 12)} is dropped`,
        );
      // A prebuild reports on its merge request: it waits until the merge request is opened.
      if (u.scratch && u.seriesId && !deps.store.mergeRequests.get(u.seriesId))
        return waitFor(JSON.stringify({ awaiting: 'merge-request' }), MERGE_REQUEST_WAIT_MS);
      const resumed = unit.handle ? waiting.safeParse(parseJson(unit.handle)) : null;
      const record = deps.store.atomically(() => {
        const started = deps.store.builds.start({ ...u, arch: archLabel(target) });
        if (!resumed?.success) refresh(deps, u, started, `build:${started.id}:${unit.attempt}:started`);
        return started;
      });
      const base = { project: u.project, branch: u.branch, commit: u.commit, target, scratch: u.scratch };
      let srpm: SourcePackage | null = null;
      try {
        let request: BuildRequest;
        let progress;
        if (resumed?.success) {
          request = { ...base, srpm: resumed.data.srpm, outDir: resumed.data.outDir, signal: unit.signal };
          srpm = request.srpm;
          progress = await deps.builder.check(resumed.data.handle, request);
        } else {
          srpm = await deps.packager.make({
            project: u.project,
            gitUrl: proj.git,
            commit: u.commit,
            spec: proj.spec,
            release: proj.release,
            signal: unit.signal,
          });
          // A directory of its own per attempt: a build a killed run left behind never shares it, nor
          // does a build of another database (CI jobs on one runner number their builds alike).
          const outDir = join(
            deps.config.workDir,
            'builds',
            String(record.id),
            `attempt-${unit.attempt}-${randomUUID().slice(0, 8)}`,
          );
          request = { ...base, srpm, outDir, signal: unit.signal };
          progress = await deps.builder.start(request);
        }
        if ('pending' in progress) {
          const { handle, pollMs, taskId } = progress.pending;
          if (taskId !== null) deps.store.builds.recordTask(record.id, taskId);
          return waitFor(JSON.stringify({ handle, srpm: request.srpm, outDir: request.outDir }), pollMs);
        }
        const logUrl = await publishLogs(deps, unit, { build: u, record, result: progress.done, request });
        return finish(deps, u, unit, record, progress.done, outcome, request.srpm, logUrl);
      } catch (err) {
        // Shut down: the unit runs again (a pending build is checked, not started, from its handle).
        if (unit.signal.aborted) throw err;
        // A commit the repository does not have (a webhook's or a pipeline's, of another
        // repository): no retry brings it.
        const final = err instanceof PatchferryError && err.code === UNKNOWN_COMMIT;
        const failure = failureOfError(err, final);
        const failed: BuildResult = {
          state: 'failed',
          arches: [],
          srpm: srpm?.path ?? '',
          log: null,
          failure,
          taskId: null,
        };
        return finish(deps, u, unit, record, failed, outcome, srpm, null, !final);
      }
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** A build that could not run: a spec rpm refuses (making the SRPM) is the patch's fault; anything
 * else (the mirror, the hub, the machine) the infrastructure's. */
function failureOfError(err: unknown, final: boolean): BuildFailure {
  const patch = err instanceof PatchferryError && err.code.startsWith('srpm_spec');
  return {
    class: patch ? 'patch' : 'infrastructure',
    message: final ? `${errorMessage(err)}; not retried, as no retry brings it` : errorMessage(err),
    errorLines: [],
    arch: null,
  };
}

function finish(
  deps: UnitDeps,
  u: BuildUnit,
  unit: RunningUnit,
  record: BuildRecord,
  result: BuildResult,
  outcome: (o: BuildOutcome) => void,
  srpm: SourcePackage | null = null,
  logUrl: string | null = null,
  retryHelps = true,
): UnitOutcome {
  const retries = unit.attempt - 1;
  const failure = result.state === 'failed' ? result.failure : null;
  // Nothing the builder can build (every arch skipped) is not helped by trying again.
  const buildable = result.arches.length === 0 || result.arches.some((a) => a.state !== 'skipped');
  if (
    failure?.class === 'infrastructure' &&
    buildable &&
    retryHelps &&
    retries < infrastructureRetries(deps.config)
  ) {
    unit.log.warn({ err: failure.message, retries }, 'build failed for the infrastructure; retrying');
    throw new PatchferryError(
      'build_infrastructure',
      `${failure.message} (infrastructure; tried again later)`,
      {
        retryable: true,
      },
    );
  }
  const rpms = [
    ...result.arches.flatMap((a) => a.rpms),
    ...(result.state === 'succeeded' && result.srpm ? [result.srpm] : []),
  ];
  const error = failure
    ? `${failureLabel(failure.class, failure.class === 'patch' ? 0 : retries)}: ${failure.message}`
    : null;
  const ok = result.state === 'succeeded';
  deps.store.atomically(() => {
    deps.store.builds.finish(record.id, {
      state: result.state,
      logPath: result.log,
      logUrl,
      rpms,
      error,
      archBuilds: result.arches,
      srpm: result.srpm || srpm?.path || null,
      release: srpm?.release ?? null,
      failureClass: failure?.class ?? null,
      errorLines: failure?.errorLines ?? [],
      retries,
      taskId: result.taskId,
    });
    refresh(deps, u, record, `build:${record.id}:${unit.attempt}:finished`);
    if (ok && !u.scratch)
      deps.store.work.enqueue({
        kind: 'publish',
        key: unitKey.publish(record.id),
        payload: { buildId: record.id },
      });
  });
  const o: BuildOutcome = { ...u, ok, rpms, error, logPath: result.log, reused: false };
  outcome(o);
  return done(o);
}

/** A build moves the status notes of the series it carries; a scratch build reports to its own. */
function refresh(deps: Pick<Deps, 'store'>, u: BuildUnit, record: BuildRecord, event: string): void {
  if (u.scratch) queuePrebuildReport(deps.store, u, record.id, event);
  else queueStatusRefresh(deps.store, u, event);
}
