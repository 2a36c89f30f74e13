import { renderDailySummary } from '../../render/daily-summary.ts';
import { queueMail } from '../../work/outbox.ts';
import type { Deps } from '../deps.ts';

const DAY_MS = 86_400_000;

/**
 * Queues the daily summary of the nightly run scheduled at `at` to the list: series seen and
 * builds started in the 24 hours before it, what is built tonight (`building`) and what did not
 * change since the last nightly (`unchanged`), the published
 * repositories and the units given up on. Keyed `summary:<day>` (the day in `timezone`), so a
 * restarted or repeated nightly run sends it once. Returns whether it was queued now.
 */
export function queueDailySummary(
  deps: Pick<Deps, 'config' | 'store'>,
  at: Date,
  tonight: {
    readonly building: readonly string[];
    readonly unchanged?: readonly string[];
    /** False where the series are not known (a CI job's database): the summary leaves them out. */
    readonly series?: boolean;
  },
): boolean {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: deps.config.schedule.timezone }).format(at);
  const o = deps.store.overview;
  const { series, builds } = o.activitySince(new Date(at.getTime() - DAY_MS).toISOString());
  const { subject, body } = renderDailySummary({
    day,
    series: tonight.series === false ? null : series,
    builds,
    publications: o.publications(),
    dead: o.deadUnits(50),
    building: tonight.building,
    unchanged: tonight.unchanged ?? [],
    // The archive's page of the days, beside the repositories (publish/patch-archive.ts).
    archiveUrl: `${deps.config.publisher.baseUrl.replace(/\/?$/, '/')}patches/`,
  });
  return queueMail(deps.store.work, `summary:${day}`, {
    to: [deps.config.reporter.listAddress],
    cc: [],
    subject,
    inReplyTo: null,
    references: [],
    body,
  });
}
