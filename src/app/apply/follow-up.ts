import { parseMail } from '../../mail/parse.ts';
import { seriesFingerprint } from '../../series/fingerprint.ts';
import type { SeriesRecord } from '../../ports/store.ts';
import type { Deps } from '../deps.ts';
import { queueFailureReport } from '../report/series-report.ts';
import { applyDirect, recordOutcome, type SeriesJob, type SeriesOutcome } from './apply.ts';

type FollowUpDeps = Pick<Deps, 'config' | 'log' | 'store' | 'applier' | 'repository' | 'clock'>;

/**
 * Direct mode, a new version of a series whose earlier version is already on its branch. Pushed
 * commits are never rewritten, and the new version's patches were written against the old base, so
 * applying it whole would conflict with itself. Instead: when it only adds patches (every patch of
 * the earlier version is in it unchanged), the added ones are applied on top; when it changes some,
 * nothing is applied and the sender is told which patches changed and what to send instead. The same
 * patches again (reworded messages) are 'unchanged': the caller treats them as a resend.
 */
export async function applyFollowUp(
  deps: FollowUpDeps,
  job: SeriesJob,
  earlier: SeriesRecord,
): Promise<SeriesOutcome | 'unchanged'> {
  const { plan } = job;
  const earlierPrints = new Set<string>();
  for (const record of deps.store.mails.many([...earlier.patches.values()])) {
    const diff = (await parseMail(record.raw).catch(() => null))?.diff;
    if (diff) earlierPrints.add(seriesFingerprint([diff]));
  }
  const kept = plan.patches.filter((p) => p.print !== null && earlierPrints.has(p.print));
  const added = plan.patches.filter((p) => !kept.includes(p));
  const app = deps.store.series.application(earlier.id);
  if (kept.length === earlierPrints.size) {
    if (added.length === 0) return 'unchanged';
    deps.log.info(
      { series: plan.seriesId, earlier: earlier.id, added: added.map((p) => p.part) },
      'applying the patches a new version adds to an applied one',
    );
    return applyDirect(deps, job, new Set(added.map((p) => p.part)));
  }
  const changed = added.map(({ part, subject }) => ({ part, subject }));
  deps.log.warn(
    { series: plan.seriesId, earlier: earlier.id, changed: changed.map((p) => p.part) },
    'new version changes patches already applied; not applied',
  );
  const reason = `version ${earlier.version} is already on ${plan.branch}; changed patches cannot replace pushed commits`;
  deps.store.atomically(() => {
    queueFailureReport(deps, plan, {
      state: 'earlier-version-applied',
      earlierVersion: earlier.version,
      base: app?.baseCommit ?? '',
      head: app?.headCommit ?? '',
      changed,
    });
    recordOutcome(
      deps,
      job,
      'failed',
      {
        baseCommit: app?.headCommit ?? null,
        headCommit: null,
        failedPart: changed[0]?.part ?? null,
        mergeRequest: null,
      },
      { outcome: `not applied: ${reason}` },
    );
  });
  return {
    type: 'failed',
    series: plan.seriesId,
    project: plan.project,
    branch: plan.branch,
    part: changed[0]?.part ?? 0,
    reason,
  };
}
