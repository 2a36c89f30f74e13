import type { BuildRow, DeadUnitRow, PublicationRow, SeriesRow } from '../ports/overview.ts';

/** What the list hears once a day from the nightly run. */
export interface DailySummaryFacts {
  /** The day it covers, as YYYY-MM-DD in the schedule's time zone. */
  readonly day: string;
  /** Series first seen in the last 24 hours; null where they are not known (a CI job). */
  readonly series: readonly SeriesRow[] | null;
  /** Builds started in the last 24 hours. */
  readonly builds: readonly BuildRow[];
  /** Every repository as published now. */
  readonly publications: readonly PublicationRow[];
  readonly dead: readonly DeadUnitRow[];
  /** What the nightly run queued now: branches and targets, as "project/branch". */
  readonly building: readonly string[];
  /** Branches and targets not built because they did not move since the last nightly. */
  readonly unchanged?: readonly string[];
  /** The archive of the day's patches (its page listing the days). */
  readonly archiveUrl?: string | null;
}

/** The daily summary mail: subject and plain-text body. */
export function renderDailySummary(f: DailySummaryFacts): { subject: string; body: string } {
  const count = (list: readonly { state: string }[], state: string) =>
    list.filter((x) => x.state === state).length;
  const lines = [
    `patchferry's summary of the last 24 hours (nightly run of ${f.day}).`,
    '',
    ...(f.series === null ? [] : seriesLines(f.series, count, f.archiveUrl ?? null)),
    `Builds: ${f.builds.length} (${count(f.builds, 'succeeded')} succeeded, ${count(f.builds, 'failed')} failed, ${count(f.builds, 'running')} running).`,
    ...f.builds
      .filter((b) => b.state === 'failed')
      .map((b) => `  failed: ${b.project}/${b.branch} ${b.commit.slice(0, 12)} on ${b.target}`),
    '',
    f.building.length ? `Building tonight: ${f.building.join(', ')}.` : 'Nothing to build tonight.',
    ...(f.unchanged?.length ? [`Unchanged since the last nightly: ${f.unchanged.join(', ')}.`] : []),
    '',
    `Published repositories: ${f.publications.length}.`,
    ...f.publications.map((p) => `  ${p.project}/${p.branch} ${p.target}: ${p.url}`),
  ];
  if (f.dead.length > 0)
    lines.push(
      '',
      `Units given up on: ${f.dead.length} (patchferry retry asks for them again).`,
      ...f.dead.map((d) => `  ${d.key}: ${oneLine(d.message ?? '')}`),
    );
  return { subject: `[patchferry] daily summary ${f.day}`, body: `${lines.join('\n')}\n` };
}

function seriesLines(
  series: readonly SeriesRow[],
  count: (list: readonly { state: string }[], state: string) => number,
  archiveUrl: string | null,
): string[] {
  return [
    `Series: ${series.length} new (${count(series, 'applied')} applied, ${count(series, 'failed')} failed, ${count(series, 'incomplete')} incomplete).`,
    ...series.map(
      (s) =>
        `  [${s.state}] ${s.project}/${s.branch} v${s.version}: ${oneLine(s.title)} (${oneLine(s.sender)})`,
    ),
    ...(archiveUrl && count(series, 'applied') > 0
      ? [`The applied series' mails, by day: ${archiveUrl}`]
      : []),
    '',
  ];
}

/** Untrusted text (subjects, names) on one line of a plain-text mail. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
