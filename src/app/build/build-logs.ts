import { dirname, join, resolve } from 'node:path';
import type { BuildRequest, BuildResult } from '../../ports/builder.ts';
import type { BuildRecord } from '../../ports/store.ts';
import { errorMessage } from '../../shared/errors.ts';
import type { BuildUnit } from '../../work/units.ts';
import type { RunningUnit } from '../../work/worker.ts';
import type { Deps } from '../deps.ts';

const URL_PATTERN = /^https?:\/\//;

/**
 * Publishes the full logs a local build left on this machine (each arch's, failed builds' above all)
 * and answers where its main log is served; null when its logs are served elsewhere already (Koji's
 * are URLs), when it left none, or when they could not be published (logged: the build's outcome
 * matters more than its link). Paths of this machine in the logs show as the sandbox shows them.
 */
export async function publishLogs(
  deps: Pick<Deps, 'config' | 'buildLogs'>,
  unit: Pick<RunningUnit, 'log'>,
  b: { build: BuildUnit; record: BuildRecord; result: BuildResult; request: BuildRequest },
): Promise<string | null> {
  const { result, request } = b;
  const logs = result.arches
    .filter((a): a is typeof a & { log: string } => a.log !== null && !URL_PATTERN.test(a.log))
    .map((a) => ({ name: logName(a.log), path: a.log }));
  if (logs.length === 0 || result.log === null || URL_PATTERN.test(result.log)) return null;
  const outDir = resolve(request.outDir);
  const hostPaths = [
    ...result.arches.map((a) => ({ host: join(outDir, a.arch), shown: '/build' })),
    { host: outDir, shown: '/build' },
    { host: resolve(dirname(request.srpm.path)), shown: '/srpm' },
    { host: resolve(deps.config.workDir), shown: '<work dir>' },
    { host: resolve(deps.config.publisher.root), shown: '<published tree>' },
  ];
  const { srpm, target } = request;
  try {
    const urls = await deps.buildLogs.publish({
      project: b.build.project,
      branch: b.build.branch,
      platform: b.build.platform,
      buildId: b.record.id,
      nvr: `${srpm.name}-${srpm.version}-${srpm.release}${target.dist}`,
      logs,
      hostPaths,
    });
    return urls.get(logName(result.log)) ?? null;
  } catch (err) {
    unit.log.warn({ err: errorMessage(err), build: b.record.id }, 'build logs not published');
    return null;
  }
}

/** The name a log is served under: its file name (`build.x86_64.log`). */
function logName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
