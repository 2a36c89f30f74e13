import { parseMail } from '../mail/parse.ts';
import { seriesFingerprint } from '../series/fingerprint.ts';
import { orderedPatches } from '../series/series.ts';
import type { SeriesRecord } from '../store/series-records.ts';
import { applyDirect, recordOutcome, type ApplyOutcomes, type SeriesJob } from './apply.ts';
import type { Context } from './context.ts';
import { queueFailureReport } from './report.ts';

/**
 * Direct mode, a new version of a series whose earlier version is already on its branch. Pushed
 * commits are never rewritten, and the new version's patches were written against the old base, so
 * applying it whole would conflict with itself. Instead: when it only adds patches (every patch of
 * the earlier version is in it unchanged), the added ones are applied on top; when it changes some,
 * nothing is applied and the sender is told which patches changed and what to send instead. The same
 * patches again (reworded messages) are 'unchanged': the caller treats them as a resend.
 */
export async function applyFollowUp(
  ctx: Context,
  job: SeriesJob,
  earlier: SeriesRecord,
  summary: ApplyOutcomes,
): Promise<'unchanged' | 'done'> {
  const earlierPrints = new Set<string>();
  for (const record of ctx.store.mails.many([...earlier.patches.values()])) {
    const diff = (await parseMail(record.raw).catch(() => null))?.diff;
    if (diff) earlierPrints.add(seriesFingerprint([diff]));
  }
  const patches = orderedPatches(job.series).map((mail, i) => {
    const diff = job.mails.get(mail.messageId)?.diff ?? null;
    return { part: i + 1, subject: mail.tag.title, print: diff ? seriesFingerprint([diff]) : null };
  });
  const kept = patches.filter((p) => p.print !== null && earlierPrints.has(p.print));
  const added = patches.filter((p) => !kept.includes(p));
  const app = ctx.store.series.application(earlier.id);
  if (kept.length === earlierPrints.size) {
    if (added.length === 0) return 'unchanged';
    ctx.log.info(
      { series: job.series.id, earlier: earlier.id, added: added.map((p) => p.part) },
      'applying the patches a new version adds to an applied one',
    );
    await applyDirect(ctx, job, summary, new Set(added.map((p) => p.part)));
    return 'done';
  }
  const changed = added.map(({ part, subject }) => ({ part, subject }));
  ctx.log.warn(
    { series: job.series.id, earlier: earlier.id, changed: changed.map((p) => p.part) },
    'new version changes patches already applied; not applied',
  );
  const reason = `version ${earlier.version} is already on ${job.branch}; changed patches cannot replace pushed commits`;
  await queueFailureReport(ctx, job.series.id, {
    state: 'earlier-version-applied',
    earlierVersion: earlier.version,
    base: app?.baseCommit ?? '',
    head: app?.headCommit ?? '',
    changed,
  });
  recordOutcome(
    ctx,
    job,
    'failed',
    {
      baseCommit: app?.headCommit ?? null,
      headCommit: null,
      failedPart: changed[0]?.part ?? null,
      detail: JSON.stringify({ earlier: earlier.id, changed }),
    },
    `not applied: ${reason}`,
  );
  summary.failed.push({
    series: job.series.id,
    project: job.project,
    branch: job.branch,
    part: changed[0]?.part ?? 0,
    reason,
  });
  return 'done';
}
