import { z } from 'zod';

/** The payloads of the units of work, parsed when a unit is claimed: what each unit needs to run on
 * its own, in any process, after any restart. */

/** One complete, routed series as the apply/propose unit needs it. */
export const seriesPlan = z.object({
  seriesId: z.string(),
  project: z.string(),
  branch: z.string(),
  version: z.number().int(),
  title: z.string(),
  total: z.number().int(),
  sender: z.object({ name: z.string(), address: z.string() }),
  /** The series this version replaces, when linked. */
  supersedes: z.string().nullable(),
  cover: z.string().nullable(),
  /** The mail reports about the series answer: the cover letter, else the first patch. */
  head: z.object({ messageId: z.string(), subject: z.string(), references: z.array(z.string()) }),
  patches: z.array(
    z.object({
      part: z.number().int(),
      messageId: z.string(),
      subject: z.string(),
      /** `Key: value` lines reviewers gave, folded into the commit. */
      trailers: z.array(z.string()),
      /** What the patch changes (series/fingerprint.ts), to tell a new version's changed patches. */
      print: z.string().nullable(),
    }),
  ),
  /** Every mail of the series (cover, patches, extras, replaced parts), made final by the unit. */
  members: z.array(z.object({ messageId: z.string(), kind: z.string() })),
  /** `base-commit:` of the series (git format-patch --base), when it gave one. */
  baseCommit: z.string().nullable(),
  /** What a merge request's description opens with: the cover letter, or a single patch's message. */
  summary: z.string().nullable(),
  /** Under trust.authenticity prefer: the mails that did not prove their sender, said in the merge
   * request and the report. */
  authenticity: z.array(z.string()).default([]),
});
export type SeriesPlan = z.infer<typeof seriesPlan>;

export const buildUnit = z.object({
  project: z.string(),
  branch: z.string(),
  commit: z.string(),
  /** The target (platforms.<name>). */
  platform: z.string(),
  /** A scratch build of a merge request's head (prebuild): reported on it, never published. */
  scratch: z.boolean().default(false),
  /** With scratch: the series whose merge request the build reports to. */
  seriesId: z.string().nullable().default(null),
});
export type BuildUnit = z.infer<typeof buildUnit>;

/** A build of the nightly run, published to the nightly tree too. Named by what it builds, not by a
 * build id: the nightly queues it before that build may exist (or reuses one made earlier). */
export const nightlyPublication = z.object({
  channel: z.literal('nightly'),
  project: z.string(),
  branch: z.string(),
  commit: z.string(),
  platform: z.string(),
});
export type NightlyPublication = z.infer<typeof nightlyPublication>;

/** One build into every build's tree, or a nightly build into the nightly tree. */
export const publishUnit = z.union([z.object({ buildId: z.number().int() }), nightlyPublication]);
export type PublishUnit = z.infer<typeof publishUnit>;

/** Testing one published build (projects.<p>.tests), and promoting it to stable when it passes. */
export const checkUnit = z.object({ buildId: z.number().int() });
export type CheckUnit = z.infer<typeof checkUnit>;

/** An applied series' mails into the archive of the day's patches. */
export const archiveUnit = z.object({
  seriesId: z.string(),
  /** The day it was applied, `YYYY-MM-DD` (UTC), fixed when queued so that a retry files it alike. */
  day: z.string(),
  /** When it was applied, ms since the epoch. */
  appliedAt: z.number(),
});
export type ArchiveUnit = z.infer<typeof archiveUnit>;

/** Keys: the same thing to do always has the same key, so enqueueing it again changes nothing. */
export const unitKey = {
  series: (seriesId: string) => `series:${seriesId}`,
  build: (u: Pick<BuildUnit, 'project' | 'branch' | 'commit' | 'platform'> & { scratch?: boolean }) =>
    `build:${u.project}:${u.branch}:${u.commit}:${u.platform}${u.scratch ? ':scratch' : ''}`,
  publish: (buildId: number) => `publish:${buildId}`,
  nightly: (t: Omit<NightlyPublication, 'channel'>) =>
    `publish:nightly:${t.project}:${t.branch}:${t.commit}:${t.platform}`,
  check: (buildId: number) => `check:${buildId}`,
  archive: (seriesId: string) => `archive:${seriesId}`,
};
