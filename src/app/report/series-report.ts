import { basename } from 'node:path';
import { parseMail } from '../../mail/parse.ts';
import { parseSubject } from '../../mail/subject.ts';
import type { BuildRecord, SeriesRecord, Store } from '../../ports/store.ts';
import {
  renderSeriesReport,
  type ApplicationFacts,
  type BuildFacts,
  type SeriesFacts,
} from '../../render/report.ts';
import { renderBuildStatus } from '../../render/merge-request.ts';
import { queueForge, queueMail } from '../../work/outbox.ts';
import { seriesPlan, unitKey, type SeriesPlan } from '../../work/units.ts';
import type { Deps } from '../deps.ts';
import { archivedUrl } from '../archive/archive-unit.ts';
import { checksSettled } from '../check/checks.ts';
import { whyNotAnswer } from './answer.ts';
import { checkFactsOf } from './check-facts.ts';
import { audience } from './notices.ts';

/** Queues the report of a series that was not applied: what git said, or why it was not tried. */
export function queueFailureReport(
  deps: Pick<Deps, 'config' | 'store'>,
  plan: SeriesPlan,
  application: Exclude<ApplicationFacts, { state: 'applied' }>,
): void {
  // Imported history and automatic mail get no answer (trust/backscatter.ts).
  if (whyNotAnswer(deps, plan.head.messageId) !== null) return;
  const message = renderSeriesReport(factsOf(deps.store, plan), application, [], audience(deps.config));
  queueMail(deps.store.work, `series:${plan.seriesId}:failed`, message, plan.seriesId);
}

/**
 * Queues the report of every applied series whose builds have all finished (and the successful
 * ones are published): the list report, the MR's status note brought up to date, and a commit
 * status per target on the built commit. Each under a key of its own: queued once, sent once.
 * The keys name what failed (`reportKey`): a target that failed and later builds (a flaky build,
 * a fixed builder, `build --all`) gets the report of its success too.
 */
export async function queueBuildReports(deps: Pick<Deps, 'config' | 'store' | 'builder'>): Promise<number> {
  const { store } = deps;
  let queued = 0;
  for (const { series, application } of store.series.awaitingReport()) {
    const commit = application.buildCommit;
    if (!commit || !application.baseCommit || !application.headCommit) continue;
    const platforms = deps.config.projects[series.project]?.platforms ?? [];
    const builds = store.builds.forCommit(series.project, series.branch, commit);
    if (!settled(platforms, builds, (b) => checksSettled(deps, b))) continue;
    const key = reportKey(series.id, commit, builds);
    if (store.work.has(key)) continue;
    // Imported history and automatic mail get no list report; the merge request still does.
    const quiet = whyNotAnswer(deps, series.id) !== null;
    if (quiet && !store.mergeRequests.get(series.id)) continue;
    const found = await seriesFacts(store, series);
    if (!found) continue;
    const facts = { ...found, archiveUrl: archivedUrl(store, series.id) };
    const buildFacts = await Promise.all(builds.map((b) => buildFactsOf(deps, b)));
    const applied: ApplicationFacts = {
      state: 'applied',
      base: application.baseCommit,
      head: application.headCommit,
    };
    queueSeriesReport(deps, { seriesId: series.id, key, commit, facts, applied, builds: buildFacts, quiet });
    queued++;
  }
  return queued;
}

/**
 * Queues, in one transaction, what reports the build of `commit` carrying a series: the list
 * report under `key` (unless `quiet`), and when the series has a merge request, its status note
 * brought up to date and a commit status per target. Every effect is keyed by what it reports, so
 * the daemon and a CI job reporting the same build queue the same keys, hence the same mail.
 */
export function queueSeriesReport(
  deps: Pick<Deps, 'config' | 'store'>,
  r: {
    readonly seriesId: string;
    readonly key: string;
    readonly commit: string;
    readonly facts: SeriesFacts;
    readonly applied: ApplicationFacts;
    readonly builds: readonly BuildFacts[];
    readonly quiet: boolean;
  },
): void {
  const { store } = deps;
  const project = r.facts.project;
  store.atomically(() => {
    if (!r.quiet)
      queueMail(
        store.work,
        r.key,
        renderSeriesReport(r.facts, r.applied, r.builds, audience(deps.config)),
        r.seriesId,
      );
    if (!store.mergeRequests.get(r.seriesId)) return;
    queueForge(store.work, `status:${r.key.slice('series:'.length)}`, {
      type: 'status-note',
      seriesId: r.seriesId,
    });
    for (const b of r.builds) {
      const outcome = b.ok ? '' : ':failed';
      queueForge(store.work, `status:${project}:${r.commit}:${b.platform}:${r.seriesId}${outcome}`, {
        type: 'commit-status',
        seriesId: r.seriesId,
        sha: r.commit,
        status: renderBuildStatus(b),
      });
    }
  });
}

/** The key of a series' build report: `series:<id>:built:<commit>` when every target built, with
 * `:failed:<platforms>` after it when some failed. The first is what awaitingReport looks for; a
 * report of failures is followed by another once they build. */
export function reportKey(seriesId: string, commit: string, builds: readonly BuildRecord[]): string {
  const failed = builds
    .filter((b) => b.state === 'failed')
    .map((b) => b.platform)
    .sort();
  return `series:${seriesId}:built:${commit}${failed.length > 0 ? `:failed:${failed.join(',')}` : ''}`;
}

/** Whether every platform's build finished: failed, or succeeded and published (and, where
 * `checked` says so, through the test stage). */
export function settled(
  platforms: readonly string[],
  builds: readonly BuildRecord[],
  checked: (b: BuildRecord) => boolean = () => true,
): boolean {
  return platforms.every((p) =>
    builds.some(
      (b) =>
        b.platform === p &&
        (b.state === 'failed' || (b.state === 'succeeded' && b.publishedUrl && checked(b))),
    ),
  );
}

export async function buildFactsOf(
  deps: Pick<Deps, 'builder' | 'config' | 'store'>,
  b: BuildRecord,
): Promise<BuildFacts> {
  const checks = deps.store.checks.get(b.id);
  return {
    ...(checks ? { checks: checkFactsOf(checks) } : {}),
    platform: b.platform,
    arch: b.arch,
    ok: b.state === 'succeeded',
    rpms: b.rpms.map((r) => basename(r)),
    repoUrl: b.publishedUrl,
    repoFileUrl: b.repoFileUrl,
    dist: deps.config.platforms[b.platform]?.dist ?? null,
    // A report shows where the whole log is served (published with the tree, or Koji's URL), never
    // a path on this machine.
    logPath: b.logUrl ?? (b.logPath && /^https?:\/\//.test(b.logPath) ? b.logPath : null),
    logTail: b.state === 'failed' && b.logPath ? await deps.builder.logTail(b.logPath, 25) : null,
    error: b.error,
    errorLines: b.errorLines,
    skipped: b.archBuilds
      .filter((a) => a.state === 'skipped')
      .map((a) => ({ arch: a.arch, reason: a.reason ?? 'not built by this builder' })),
  };
}

/** The series as its apply/propose unit planned it (every series applied by this version has one). */
function planFor(store: Store, seriesId: string): SeriesPlan | null {
  const unit = store.work.get(unitKey.series(seriesId));
  const parsed = unit ? seriesPlan.safeParse(unit.payload) : null;
  return parsed?.success ? parsed.data : null;
}

/** What a report says of a series: from its plan, else (applied before plans were kept) from its
 * record and the mail it answers. */
async function seriesFacts(store: Store, series: SeriesRecord): Promise<SeriesFacts | null> {
  const plan = planFor(store, series.id);
  if (plan) return factsOf(store, plan);
  const record = store.mails.get(series.id);
  if (!record) return null;
  const head = await parseMail(record.raw);
  return {
    title: series.title,
    subject: head.subject,
    version: series.version,
    sender: head.from,
    project: series.project,
    branch: series.branch,
    patches: [...series.patches].map(([part, id]) => ({
      part,
      subject: parseSubject(store.mails.get(id)?.subject ?? '').title,
      ...(part > series.total ? { extraOf: series.total } : {}),
    })),
    replyTo: series.id,
    references: [...head.references],
    released: store.releases.among([series.id, ...series.patches.values()]) ?? null,
  };
}

function factsOf(store: Store, plan: SeriesPlan): SeriesFacts {
  const release = store.releases.among([plan.seriesId, ...plan.members.map((m) => m.messageId)]);
  return {
    title: plan.title,
    subject: plan.head.subject,
    version: plan.version,
    sender: plan.sender,
    project: plan.project,
    branch: plan.branch,
    patches: plan.patches.map((p) => ({
      part: p.part,
      subject: p.subject,
      ...(p.part > plan.total ? { extraOf: plan.total } : {}),
    })),
    replyTo: plan.head.messageId,
    references: plan.head.references,
    authenticity: plan.authenticity,
    released: release ? { by: release.by, at: release.at } : null,
  };
}
