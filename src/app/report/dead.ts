import type { Unit, UnitError, WorkQueue } from '../../ports/work-queue.ts';
import { renderDeadUnit } from '../../render/report.ts';
import { deadNoticeEffect } from '../../work/effects.ts';
import { queueMail } from '../../work/outbox.ts';
import { seriesPlan } from '../../work/units.ts';
import type { Deps } from '../deps.ts';
import { finalMails } from '../series/final-mails.ts';
import { audience } from './notices.ts';

/**
 * A unit that failed for good: reported to the failure recipients with the reason, also when
 * it was a mail (the notice reaches the destinations that work, and the others when they work
 * again; a notice that dies itself is not reported, so nothing loops). One notice per cause: a
 * unit that dies for the reason (code and message) of a notice not sent yet is named in that
 * notice, not in a mail of its own (a branch missing from the repository gives up every series
 * sent to it). A series' mails become final, so that intake does not plan the series again and
 * again. `patchferry retry` asks for dead units again.
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
    // A unit asked for again (patchferry retry) that dies again is told of again: #2, #3 …
    let n = 1;
    while (store.work.has(`dead:${unit.key}#${n}`)) n++;
    const own = `dead:${unit.key}#${n}`;
    const pending = pendingNotice(store.work, unit, error);
    if (pending !== null) {
      const others = [...pending.others, { key: unit.key, kind: unit.kind }];
      const message = renderDeadUnit(deadFacts(pending.owner), audience(deps.config), others);
      if (message && store.work.amend(pending.key, { ...pending.effect, message, others })) {
        // Its own key is taken, told in the other notice: a later death is #n+1, as above.
        queueMail(store.work, own, message);
        store.work.cancel(own, `told in ${pending.key}`);
        return;
      }
    }
    const message = renderDeadUnit(deadFacts(unit, error), audience(deps.config));
    if (message) queueMail(store.work, own, message);
  });
}

/**
 * A unit given up on is asked for again (`patchferry retry`): what unitDied made final is undone,
 * so that the unit really runs again. A series is complete again (its unit applies it, not only
 * records "failed") and its mails open again, as intake left them when it planned the series.
 * Returns whether the unit was dead and is pending now.
 */
export function unitAskedAgain(store: Deps['store'], unit: Unit): boolean {
  return store.atomically(() => {
    if (!store.work.reopen(unit.key)) return false;
    if (unit.kind !== 'series') return true;
    const plan = seriesPlan.safeParse(unit.payload);
    if (!plan.success || store.series.get(plan.data.seriesId)?.state !== 'failed') return true;
    store.series.setState(plan.data.seriesId, 'complete');
    for (const m of plan.data.members)
      store.mails.setState(m.messageId, { state: 'new', outcome: null, reason: null, kind: m.kind });
    return true;
  });
}

function deadFacts(unit: Unit, error = unit.error ?? { code: 'unknown', message: '' }) {
  return {
    key: unit.key,
    kind: unit.kind,
    attempts: unit.attempts,
    code: error.code,
    message: error.message,
  };
}

/** The notice, not sent yet, of another unit that died for the same reason; with the units it
 * names beside its own (`others`, kept in its payload: deadNoticeEffect). */
function pendingNotice(queue: WorkQueue, unit: Unit, error: UnitError) {
  for (const owner of queue.list('dead')) {
    if (owner.key === unit.key || owner.key.startsWith('dead:')) continue;
    if (owner.error?.code !== error.code || owner.error.message !== error.message) continue;
    let n = 1;
    while (queue.has(`dead:${owner.key}#${n + 1}`)) n++;
    const key = `dead:${owner.key}#${n}`;
    const notice = queue.get(key);
    if (notice?.state !== 'pending' || notice.attempts > 0) continue;
    const effect = deadNoticeEffect.safeParse(notice.payload);
    if (!effect.success) continue;
    const { others, ...mail } = effect.data;
    return { key, owner, effect: mail, others };
  }
  return null;
}
