import { z } from 'zod';

/** The outbox: every effect patchferry has on the outside world is one of these, queued as a unit
 * of work under a key derived from what it is about, and delivered once per destination. */

const reportMessage = z.object({
  to: z.array(z.string()),
  cc: z.array(z.string()),
  subject: z.string(),
  inReplyTo: z.string().nullable(),
  references: z.array(z.string()),
  body: z.string(),
});

/** A mail to the list, a sender or the failure recipients; its Message-ID comes from its key, so
 * every destination and every retry send the same mail. */
export const mailEffect = z.object({
  type: z.literal('mail'),
  seriesId: z.string().nullable(),
  message: reportMessage,
});
export type MailEffect = z.infer<typeof mailEffect>;

/** A dead unit's notice not sent yet: a mail, with the other units that died for the same reason
 * and are named in it (report/dead.ts), kept so a later death adds to the list. */
export const deadNoticeEffect = mailEffect.extend({
  others: z.array(z.object({ key: z.string(), kind: z.string() })).default([]),
});

const commitStatus = z.object({
  state: z.enum(['pending', 'running', 'success', 'failed']),
  name: z.string(),
  description: z.string().optional(),
  url: z.string().optional(),
});

/** Effects on a forge. Merge requests are named by the series they carry: the store (or, after a
 * lost database, the forge's own search by source branch) says which MR that is. */
export const forgeEffect = z.discriminatedUnion('type', [
  /** Open the series' merge request, or bring an open one up to date (title, description). */
  z.object({
    type: z.literal('merge-request'),
    seriesId: z.string(),
    version: z.number().int(),
    project: z.string(),
    sourceBranch: z.string(),
    targetBranch: z.string(),
    title: z.string(),
    description: z.string(),
    base: z.string(),
    head: z.string(),
    /** The proposal of the version this one replaces, when there is one. */
    previous: z.string().nullable(),
    /** Said on the MR when it moves from the previous version to this one. */
    newVersionNote: z.string().nullable(),
  }),
  /** A comment, posted once: a hidden marker in it lets a retry find it and edit it instead. */
  z.object({
    type: z.literal('merge-request-note'),
    seriesId: z.string(),
    marker: z.string(),
    body: z.string(),
  }),
  /** Bring the series' status note up to date (one per series version, edited in place). */
  z.object({ type: z.literal('status-note'), seriesId: z.string() }),
  z.object({ type: z.literal('commit-status'), seriesId: z.string(), sha: z.string(), status: commitStatus }),
  /** Close the merge request of a series that a version for another branch replaced. */
  z.object({ type: z.literal('close-merge-request'), seriesId: z.string(), note: z.string() }),
]);
export type ForgeEffect = z.infer<typeof forgeEffect>;
