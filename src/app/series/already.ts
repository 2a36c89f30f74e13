import type { SeriesPlan } from '../../work/units.ts';
import type { Deps } from '../deps.ts';
import { finalMails } from './final-mails.ts';

/** Direct mode: every patch of a series is on the branch already, applied before (by a run with
 * another database, a CI job's, or by hand): its state is applied, nothing is pushed, archived,
 * built or reported for it. `head`: the commit of its last patch. */
export interface AlreadyApplied {
  readonly type: 'already';
  readonly series: string;
  readonly project: string;
  readonly branch: string;
  readonly head: string;
}

/** Direct mode: a series found on its branch already, recorded applied; shared by the series unit
 * (apply.ts, after git am) and intake (held-on-branch.ts, before holding it). */
export function recordAlready(
  deps: Pick<Deps, 'log' | 'store'>,
  plan: Pick<SeriesPlan, 'seriesId' | 'project' | 'branch'> & {
    readonly members: readonly { readonly messageId: string; readonly kind: string }[];
  },
  on: { readonly head: string },
): AlreadyApplied {
  const { seriesId, project, branch } = plan;
  deps.log.info({ series: seriesId, project, branch, head: on.head }, 'series is on its branch already');
  // Applied, as its next version needs to know; but with no application of this run's: that would
  // build its branch and report it on the list again, and archive it again, all done the day it
  // was applied.
  deps.store.atomically(() => {
    deps.store.series.setState(seriesId, 'applied');
    finalMails(deps.store, plan.members, 'already applied', `on ${branch} up to ${on.head.slice(0, 12)}`);
  });
  return { type: 'already', series: seriesId, project, branch, head: on.head };
}
