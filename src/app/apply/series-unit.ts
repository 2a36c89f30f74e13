import { seriesPlan, type SeriesPlan } from '../../work/units.ts';
import { done, type UnitHandler, type UnitOutcome } from '../../work/worker.ts';
import type { Deps } from '../deps.ts';
import { finalMails } from '../series/final-mails.ts';
import { proposeSeries } from '../propose/propose.ts';
import { applyDirect, type SeriesJob, type SeriesOutcome } from './apply.ts';
import { applyFollowUp } from './follow-up.ts';

type SeriesDeps = Pick<Deps, 'config' | 'log' | 'store' | 'applier' | 'repository' | 'forge' | 'clock'>;

/**
 * The unit that applies one series: proposed as a merge request when a forge is configured, else
 * applied onto its branch, or (a new version of a series already there) followed up. Everything it
 * needs is in its plan and the store, so any process can run it after any restart.
 */
export function seriesHandler(
  deps: SeriesDeps,
  outcome: (o: SeriesOutcome) => void,
): UnitHandler<SeriesPlan> {
  return {
    schema: seriesPlan,
    async run(plan, unit): Promise<UnitOutcome> {
      // A run killed after the outcome was recorded but before the unit was marked done runs
      // again: the outcome stands (recorded with the series' state, in one transaction), and
      // applying again would record the application a second time.
      const state = deps.store.series.get(plan.seriesId)?.state;
      if (state === 'applied' || state === 'failed')
        return done({ type: 'recorded', series: plan.seriesId, state });
      const records = deps.store.mails.many(plan.patches.map((p) => p.messageId));
      const job: SeriesJob = {
        plan,
        raw: new Map(records.map((r) => [r.messageId, r.raw])),
        signal: unit.signal,
      };
      const result = await applySeries(deps, job);
      outcome(result);
      return done(result);
    },
  };
}

async function applySeries(deps: SeriesDeps, job: SeriesJob): Promise<SeriesOutcome> {
  const { plan } = job;
  if (deps.forge) return proposeSeries(deps, job);
  const earlier = plan.supersedes ? deps.store.series.get(plan.supersedes) : undefined;
  if (earlier?.state === 'applied' && earlier.project === plan.project && earlier.branch === plan.branch) {
    const followed = await applyFollowUp(deps, job, earlier);
    if (followed !== 'unchanged') return followed;
    // The same changes reworded: already applied, nothing to do.
    deps.store.atomically(() => {
      finalMails(deps.store, plan.members, 'identical resend', `same changes as ${earlier.id}`);
      deps.store.series.setState(plan.seriesId, 'superseded');
    });
    return { type: 'resend', series: plan.seriesId, of: earlier.id };
  }
  return applyDirect(deps, job);
}
