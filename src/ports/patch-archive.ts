/** One applied series as the archive of the day's patches keeps it. */
export interface ArchivedSeries {
  readonly seriesId: string;
  /** The day it was applied, `YYYY-MM-DD` (UTC): the archive's directory. */
  readonly day: string;
  readonly project: string;
  readonly branch: string;
  /** The series' title, from which its file is named. */
  readonly title: string;
  /** The subject of its cover letter, else of its first patch. */
  readonly subject: string;
  /** `Name <address>`. */
  readonly sender: string;
  readonly version: number;
  readonly patches: number;
  /** Its mails as received, cover letter first, then the patches in order. */
  readonly mails: readonly Buffer[];
  /** When it was applied: the From_ lines' date. */
  readonly appliedAt: Date;
}

export interface ArchivedFile {
  /** `patches/<day>/<project>/<branch>/<slug>.mbox` under the published root. */
  readonly path: string;
  readonly url: string;
}

/**
 * The archive of the day's patches: each applied series' mails as an mbox under
 * `patches/<YYYY-MM-DD>/<project>/<branch>/<slug>.mbox` of the published tree, with an index page
 * per day and one listing the days. Archiving a series again changes nothing and gives the same file.
 */
export interface PatchArchive {
  archive(series: ArchivedSeries, signal?: AbortSignal): Promise<ArchivedFile>;
}
