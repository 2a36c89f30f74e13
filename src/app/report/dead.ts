import type { Unit, UnitError } from '../../ports/work-queue.ts';
import { renderDeadUnit } from '../../render/report.ts';
import { queueMail } from '../../work/outbox.ts';
import { seriesPlan } from '../../work/units.ts';
import type { Deps } from '../deps.ts';
import { finalMails } from '../series/final-mails.ts';
import { audience } from './notices.ts';

/**
 * A unit that failed for good: reported once to the failure recipients with the reason, also when
 * it was a mail (the notice reaches the destinations that work, and the others when they work
 * again; a notice that dies itself is not reported, so nothing loops). A series' mails become
 * final, so that intake does not plan the series again and again. `patchferry retry` asks for
 * dead units again.
 */
export function unitDied(deps: Pick<Deps, 'config' | 'log' | 'store'>, unit: Unit, error: UnitError): void {
  const { store } = deps;
  store.atomically(() => {
    if (unit.kind === 'series') {
      const plan = seriesPlan.safeParse(unit.payload);
      if (plan.success) {
        finalMails(store, plan.data.members, 'not applied', `${error.code}: ${error.message}`);
        store.series.setState(plan.data.seriesId, 'failed');
      }
    }
    if (unit.key.startsWith('dead:')) return;
    const message = renderDeadUnit(
      { key: unit.key, kind: unit.kind, attempts: unit.attempts, code: error.code, message: error.message },
      audience(deps.config),
    );
    // A unit asked for again (patchferry retry) that dies again is told of again: #2, #3 …
    let n = 1;
    while (store.work.has(`dead:${unit.key}#${n}`)) n++;
    if (message) queueMail(store.work, `dead:${unit.key}#${n}`, message);
  });
}
