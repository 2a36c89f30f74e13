import type { Mail } from '../../mail/mail.ts';
import { formatAddress } from '../../mail/mail.ts';
import { findBaseCommit } from '../../mail/body.ts';
import { mailInfo } from '../../mail/mailinfo.ts';
import { seriesFingerprint } from '../../series/fingerprint.ts';
import { orderedPatches, type Series, type SeriesMail } from '../../series/series.ts';
import type { SeriesPlan } from '../../work/units.ts';

/** What the apply/propose unit of a complete, routed series needs, taken from the assembled series
 * and its parsed mails once, so that the unit runs from the store alone. */
export function planOf(
  series: Series,
  route: { repo: string; branch: string },
  members: readonly SeriesMail[],
  mails: ReadonlyMap<string, Mail>,
): SeriesPlan {
  const patches = orderedPatches(series);
  const head = series.cover ?? patches[0] ?? members[0];
  const subjects = patches.map((p) => commitSubject(p, mails.get(p.messageId)));
  return {
    seriesId: series.id,
    project: route.repo,
    branch: route.branch,
    version: series.version,
    // A single patch's series is named as its commit will be.
    title: series.cover === null && subjects.length === 1 ? (subjects[0] ?? series.title) : series.title,
    total: series.total,
    sender: { name: series.sender.name, address: series.sender.address },
    supersedes: series.supersedes,
    cover: series.cover?.messageId ?? null,
    head: {
      messageId: head?.messageId ?? series.id,
      subject: head?.subject ?? series.title,
      references: [...(head?.references ?? [])],
    },
    patches: patches.map((p, i) => {
      const diff = mails.get(p.messageId)?.diff ?? null;
      return {
        part: i + 1,
        messageId: p.messageId,
        subject: subjects[i] ?? p.tag.title,
        trailers: (series.trailers.get(p.messageId) ?? []).map((t) => `${t.key}: ${t.value}`),
        print: diff ? seriesFingerprint([diff]) : null,
      };
    }),
    members: members.map((m) => ({ messageId: m.messageId, kind: m.kind })),
    baseCommit: baseCommitOf(series, patches, mails),
    summary: summaryOf(series, patches, mails),
    // Filled by intake, which knows the project's trust rules.
    authenticity: [],
  };
}

/** A patch's title as `git am` makes its commit subject: an in-body `Subject:` (or a first body
 * line `[PATCH] title`) at the top of a forwarded patch wins over the mail's own (mailinfo.ts). */
function commitSubject(patch: SeriesMail, mail: Mail | undefined): string {
  if (!mail || !IN_BODY_SUBJECT.test(mail.text)) return patch.tag.title;
  const info = mailInfo({ from: formatAddress(mail.from), subject: mail.subject, date: '', text: mail.text });
  return info.subject || patch.tag.title;
}

/** A body that starts (after blank lines and other in-body headers) with a Subject: line, or
 * with git's `[PATCH] title` first line. */
const IN_BODY_SUBJECT =
  /^(?:[ \t]*\n)*(?:(?:From|Date):[^\n]*\n(?:[ \t][^\n]*\n)*)*(?:Subject:|\[PATCH\]\s)/i;

/** `base-commit:` from the cover letter, else from the last patch (git format-patch --base). */
function baseCommitOf(
  series: Series,
  patches: readonly SeriesMail[],
  mails: ReadonlyMap<string, Mail>,
): string | null {
  const carriers = [series.cover, patches.at(-1)].filter((m) => m !== null && m !== undefined);
  for (const m of carriers) {
    const text = mails.get(m.messageId)?.text;
    const found = text ? findBaseCommit(text) : null;
    if (found) return found;
  }
  return null;
}

/** What the MR description opens with: the cover letter's text, or a single patch's message. */
function summaryOf(
  series: Series,
  patches: readonly SeriesMail[],
  mails: ReadonlyMap<string, Mail>,
): string | null {
  const { cover } = series;
  if (cover) return coverText(mails.get(cover.messageId)?.text ?? '');
  const [only] = patches;
  if (patches.length !== 1 || !only) return null;
  const mail = mails.get(only.messageId);
  if (!mail) return null;
  // The commit message as `git am` makes it: a forwarded patch's in-body From:/Subject: lines are
  // headers for git, not part of the message.
  const info = mailInfo({ from: formatAddress(mail.from), subject: mail.subject, date: '', text: mail.text });
  return info.message.trim() || null;
}

/** A cover letter without git's diffstat and signature. */
function coverText(text: string): string | null {
  const cut = text.search(/^(?:\S.* \| +\d+ [+-]*$|-- $)/m);
  return (cut >= 0 ? text.slice(0, cut) : text).trim() || null;
}
