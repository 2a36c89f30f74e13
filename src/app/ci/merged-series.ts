import type { Forge, MergeRequest } from '../../ports/forge.ts';
import type { Store } from '../../ports/store.ts';
import {
  parseDescription,
  parseSeriesFooter,
  type ReportFooter,
  type SeriesFooter,
} from '../../render/merge-request.ts';
import type { ApplicationFacts, SeriesFacts } from '../../render/report.ts';
import type { Deps } from '../deps.ts';

/** A series a push merged, as its merge request on the forge tells it, recorded in the job's
 * database: what the report job needs to report its build like the daemon would. */
export interface MergedSeries {
  readonly seriesId: string;
  readonly mergeRequest: MergeRequest;
  readonly facts: SeriesFacts;
  readonly applied: Extract<ApplicationFacts, { state: 'applied' }>;
}

/**
 * The series whose merge requests a push to `branch` merged at `commit`, recovered from the forge
 * (DESIGN.md, "State"): the MRs merged with that commit (Forge.mergedWith), each read through its
 * description's footer (`render/merge-request.ts`: series id, version, Message-IDs, and the report
 * part: subject, sender, patches, pushed range). Each is recorded in the job's (empty) database as
 * the daemon would have it after the merge and the build — series applied, MR merged, application
 * built at `commit` — so the status note renders from the store as everywhere else. MRs without a
 * footer are not patchferry's and left out. A footer without its report part (an MR opened by a
 * patchferry from before it) is made up from the description's readable part (sender, patches;
 * `parseDescription`), the MR's title as the subject, and the range from git (`mergedBase`);
 * what cannot be is skipped, and said so in `skipped`. Throws ForgeError when the forge does not
 * answer.
 */
export async function recoverMergedSeries(
  deps: Pick<Deps, 'config' | 'store' | 'forge' | 'repository'>,
  at: { readonly project: string; readonly branch: string; readonly commit: string },
): Promise<{ series: MergedSeries[]; skipped: string[] }> {
  const forgePath = deps.config.projects[at.project]?.forgePath;
  if (!deps.forge || !forgePath) return { series: [], skipped: [] };
  const series: MergedSeries[] = [];
  const skipped: string[] = [];
  for (const mr of await deps.forge.mergedWith(forgePath, at.branch, at.commit)) {
    const footer = parseSeriesFooter(mr.description);
    if (!footer) continue;
    const report = footer.report ?? (await reportOfDescription(deps, at, mr));
    if (!report) {
      skipped.push(
        `${mr.url}: its description has no report part (opened by an older patchferry), and its sender, patches or pushed range could not be read otherwise`,
      );
      continue;
    }
    series.push(record(deps.store, deps.forge.kind, at, mr, footer, report));
  }
  return { series, skipped };
}

/** The report part an MR opened before it existed would have had, from what the MR says otherwise;
 * null when the description or git does not tell. Threaded by the series id alone (In-Reply-To):
 * the cover letter's own references are not known. */
async function reportOfDescription(
  deps: Pick<Deps, 'config' | 'repository'>,
  at: { readonly project: string; readonly commit: string },
  mr: MergeRequest,
): Promise<ReportFooter | null> {
  const readable = parseDescription(mr.description);
  const git = deps.config.projects[at.project]?.git;
  if (!readable || !git) return null;
  const merge = mr.mergeSha ?? at.commit;
  const base = await deps.repository
    .mergedBase(at.project, git, merge, readable.patches.length)
    .catch(() => null);
  if (!base) return null;
  return {
    subject: mr.title,
    from: readable.sender,
    patches: readable.patches,
    references: [],
    base,
    head: mr.headSha ?? merge,
  };
}

function record(
  store: Store,
  kind: Forge['kind'],
  at: { readonly project: string; readonly branch: string; readonly commit: string },
  mr: MergeRequest,
  { series: seriesId, version }: SeriesFooter,
  report: ReportFooter,
): MergedSeries {
  // The merge commit is what the daemon records as the application's head (app/propose/merges.ts).
  const head = mr.mergeSha ?? at.commit;
  store.atomically(() => {
    store.series.save({
      id: seriesId,
      project: at.project,
      branch: at.branch,
      version,
      total: report.patches.length,
      title: mr.title,
      sender: report.from.address,
      state: 'applied',
      supersedes: null,
      changeId: null,
      fingerprint: null,
      // The parts' mails are not in this database (they would be its foreign keys).
      patches: new Map(),
    });
    store.mergeRequests.save({
      seriesId,
      forge: kind,
      project: at.project,
      sourceBranch: mr.sourceBranch,
      targetBranch: mr.targetBranch,
      url: mr.url,
      number: mr.number,
      state: 'merged',
      base: report.base,
      head: report.head,
    });
    store.series.recordApplication({
      seriesId,
      project: at.project,
      branch: at.branch,
      state: 'applied',
      baseCommit: report.base,
      headCommit: head,
      failedPart: null,
      mergeRequest: mr.url,
    });
    store.series.markBuilt(at.project, at.branch, at.commit);
  });
  return {
    seriesId,
    mergeRequest: mr,
    facts: {
      title: mr.title,
      subject: report.subject,
      version,
      sender: report.from,
      project: at.project,
      branch: at.branch,
      patches: report.patches.map((subject, i) => ({ part: i + 1, subject })),
      replyTo: seriesId,
      references: report.references,
    },
    applied: { state: 'applied', base: report.base, head },
  };
}
