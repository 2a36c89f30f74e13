import { createHash } from 'node:crypto';
import { PatchferryError, errorMessage } from '../shared/errors.ts';
import {
  commitMessage,
  findDiff,
  findPullRequest,
  findChangeId,
  findSupersedes,
  findTrailers,
} from './body.ts';
import { firstAddress, headerDate, headerText, messageIds, readHeaders } from './headers.ts';
import type { Mail, MailKind } from './mail.ts';
import { detachedCopy } from './detached-copy.ts';
import { diffPathProblem, malformation } from './malformed.ts';
import { inBodyAuthor } from './mailinfo.ts';
import { attachedMayHoldDiff, readMime } from './mime-content.ts';
import { patchId } from './patch-id.ts';
import { plainBody } from './plain-body.ts';
import { parseSubject, type SubjectTag } from './subject.ts';

/** A message that cannot be read as a mail at all; it is quarantined, never dropped. */
export class MailParseError extends PatchferryError {
  constructor(reason: string, cause?: unknown) {
    super('mail_unparseable', `the message cannot be parsed: ${reason}`, { cause });
  }
}

/** What identifies a mail, read from its headers alone: enough to record it before parsing its body.
 * The Message-ID is the one parseMail gives, a stable synthetic one when the mail has none. */
export function identifyMail(raw: Buffer): {
  messageId: string;
  subject: string;
  sender: string;
  /** The Message-IDs the mail answers (In-Reply-To and References). */
  thread: string[];
} {
  const headers = readHeaders(raw);
  const thread = new Set([...messageIds(headers, 'in-reply-to'), ...messageIds(headers, 'references')]);
  return {
    messageId: detachedCopy(messageIds(headers, 'message-id')[0] ?? syntheticMessageId(raw)),
    subject: detachedCopy(headerText(headers, 'subject') ?? ''),
    sender: detachedCopy(firstAddress(headers, 'from').address),
    thread: [...thread].map(detachedCopy),
  };
}

/** raw RFC 5322 bytes → Mail. Headers are read here; a plain-text body is decoded directly, and
 * anything else (multipart, HTML, attachments) is read by readMime (mime-content.ts). */
export async function parseMail(raw: Buffer): Promise<Mail> {
  const headers = readHeaders(raw);
  if (headers.fields.size === 0) throw new MailParseError('it has no header fields');
  const malformed = malformation(raw, headers);
  if (malformed !== null) throw new MailParseError(malformed);
  let text: string;
  let attachedDiffs: string[] = [];
  try {
    const plain = plainBody(raw, headers);
    if (plain !== null) {
      text = plain;
    } else {
      const content = await readMime(raw, attachedMayHoldDiff);
      text = content.text;
      attachedDiffs = content.attachments
        .filter((a) => mayHoldDiff(a.content))
        .map((a) => findDiff(a.content.toString('utf8')))
        .filter((d): d is string => d !== null);
    }
  } catch (err) {
    throw new MailParseError(errorMessage(err), err);
  }
  text = text.replace(/\r\n/g, '\n');
  const subject = detachedCopy(headerText(headers, 'subject') ?? '');
  const tag = parseSubject(subject);
  const diff = findDiff(text) ?? attachedDiffs[0] ?? null;
  const badPath = diff === null ? null : diffPathProblem(diff);
  if (badPath !== null) throw new MailParseError(badPath);
  const pull = findPullRequest(text);
  const from = firstAddress(headers, 'from');
  const inReplyTo = messageIds(headers, 'in-reply-to')[0];
  const references = messageIds(headers, 'references');
  const trailers = findTrailers(diff ? commitMessage(text) : text);
  const threaded = inReplyTo !== undefined || references.length > 0;
  return {
    messageId: detachedCopy(messageIds(headers, 'message-id')[0] ?? syntheticMessageId(raw)),
    inReplyTo: inReplyTo === undefined ? null : detachedCopy(inReplyTo),
    references: references.map(detachedCopy),
    from: { name: detachedCopy(from.name), address: detachedCopy(from.address) },
    author: diff === null ? null : nullableOwn(inBodyAuthor(text)),
    subject,
    listId: listIdOf(headerText(headers, 'list-id')),
    recipients: detachedCopy(
      [...(headers.fields.get('to') ?? []), ...(headers.fields.get('cc') ?? [])].join(', '),
    ),
    date: headerDate(headers),
    tag,
    kind: classify(
      forwardedPatch(subject, diff, threaded) ? { ...tag, reply: false } : tag,
      diff,
      pull !== null,
      threaded && !diff && echoable(tag) && answers(trailers),
      threaded,
    ),
    text,
    diff,
    patchId: diff === null ? null : patchId(diff),
    trailers: trailers.map((t) => ({
      key: detachedCopy(t.key),
      value: detachedCopy(t.value),
      address: t.address === null ? null : detachedCopy(t.address),
    })),
    pull: pull && { url: detachedCopy(pull.url), ref: pull.ref === null ? null : detachedCopy(pull.ref) },
    supersedes: findSupersedes(text).map(detachedCopy),
    changeId: nullableOwn(findChangeId(text)),
  };
}

/** A patch forwarded on its own (`Fwd: [PATCH …]` answering nothing, with a diff): a patch to
 * apply, as git am and patchwork (which takes only "Re" for a comment) read it, not a reply. In
 * a thread, a forwarded mail stays a reply. */
function forwardedPatch(subject: string, diff: string | null, threaded: boolean): boolean {
  return diff !== null && !threaded && /^\s*(?:fwd?|wg|tr)\s*(?:\[\d+\])?\s*:/i.test(subject);
}

/** Whether bytes can hold what findDiff looks for (a `diff -`, `Index: ` or `+++ ` line): an
 * attached log or configuration file of megabytes is then never decoded into a string. */
function mayHoldDiff(bytes: Buffer): boolean {
  return bytes.includes('diff -') || bytes.includes('Index: ') || bytes.includes('\n+++ ');
}

/** What a mail is. A mail that answers another (In-Reply-To, References) and carries no diff of
 * its own is a reply even without "Re:": some clients send a patch's subject back unchanged. One
 * that gives a review trailer or quotes what it answers is a reply even when it sends back a cover
 * letter's or a pull request's numbered subject (b4: a follow-up missing Re: with a trailer and no
 * diff). */
function classify(
  tag: SubjectTag,
  diff: string | null,
  isPull: boolean,
  isAnswer: boolean,
  threaded: boolean,
): MailKind {
  if (tag.reply || (isAnswer && !isPull)) return 'reply';
  // A numbered pull request's `[PULL 0/N]` is the cover letter of the N patches that follow.
  if (tag.part === 0 && tag.total !== null && tag.total > 0 && !diff) return 'cover';
  // A PULL-tagged answer that names no repository and carries no diff ("Pulled, thanks" sent back
  // under the request's subject) is a reply.
  if (isPull || tag.prefixes.includes('PULL') || tag.prefixes.includes('GIT'))
    return isPull ? 'pull' : diff ? 'patch' : threaded ? 'reply' : 'pull';
  if (tag.part === 0 && tag.total !== null && tag.total > 0) return 'cover';
  if (diff) return 'patch';
  return threaded ? 'reply' : 'other';
}

/** The id of a List-Id value (`QEMU devel <qemu-devel.nongnu.org>` → `qemu-devel.nongnu.org`). */
function listIdOf(value: string | null): string | null {
  if (!value) return null;
  const id = /<([^<>\s]+)>/.exec(value)?.[1] ?? value.trim();
  return id === '' ? null : detachedCopy(id);
}

/** Whether a subject could be taken for something else than a reply when sent back: a numbered
 * cover letter's or a pull request's (any other threaded mail without a diff is a reply anyway). */
function echoable(tag: SubjectTag): boolean {
  return tag.part === 0 || tag.prefixes.includes('PULL') || tag.prefixes.includes('GIT');
}

/** Whether a threaded mail without a diff reads as an answer whatever its subject: it gives a
 * trailer a follow-up gives (a review, a Fixes:, a Link:…, not the Signed-off-by or Cc a cover
 * letter may carry), b4's rule for a follow-up without "Re:". Quoting is no sign: a new version's
 * cover letter may quote the review it answers; an answer that sends back a cover letter's own
 * subject is found by assembly, which sees what it answers. */
function answers(trailers: readonly { key: string }[]): boolean {
  return trailers.some((t) => !/^(?:signed-off-by|cc)$/i.test(t.key));
}

/** Some real mails have no Message-ID; a stable one derived from the bytes keeps them addressable. */
function syntheticMessageId(raw: Buffer): string {
  return `${createHash('sha256').update(raw).digest('hex').slice(0, 32)}@patchferry.invalid`;
}

function nullableOwn(value: string | null): string | null {
  return value === null ? null : detachedCopy(value);
}
