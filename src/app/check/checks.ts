import type { Config } from '../../config/schema.ts';
import type { BuildRecord } from '../../ports/store.ts';
import { unitKey } from '../../work/units.ts';
import type { Deps } from '../deps.ts';

/** The checks a project configures (projects.<p>.tests); none: no test stage. */
export function checksOf(config: Pick<Config, 'projects'>, project: string) {
  return config.projects[project]?.tests ?? [];
}

/** Queues the test of a published build when its project has checks (in the caller's transaction:
 * recorded with the publication). */
export function queueCheck(deps: Pick<Deps, 'config' | 'store'>, b: BuildRecord): void {
  if (checksOf(deps.config, b.project).length === 0) return;
  deps.store.work.enqueue({ kind: 'check', key: unitKey.check(b.id), payload: { buildId: b.id } });
}

/** Whether the test stage is done with a build: its project has no checks, or its check unit is
 * done (tested, and promoted when it passed) or gave up, or none was queued here (a CI job's
 * database: builds restored from the pipeline's artifacts were published and tested elsewhere).
 * Reports wait for it. */
export function checksSettled(deps: Pick<Deps, 'config' | 'store'>, b: BuildRecord): boolean {
  if (b.state !== 'succeeded' || checksOf(deps.config, b.project).length === 0) return true;
  const unit = deps.store.work.get(unitKey.check(b.id));
  return !unit || unit.state === 'done' || unit.state === 'dead';
}
