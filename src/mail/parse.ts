import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { PatchferryError, errorMessage } from '../shared/errors.ts';
import { commitMessage, findDiff, findPullRequest, findTrailers } from './body.ts';
import type { Address, Mail, MailKind } from './mail.ts';
import { parseSubject, type SubjectTag } from './subject.ts';

/** A message that cannot be read as a mail at all; it is quarantined, never dropped. */
export class MailParseError extends PatchferryError {
  constructor(reason: string, cause?: unknown) {
    super('mail_unparseable', `the message cannot be parsed: ${reason}`, { cause });
  }
}

/** raw RFC 5322 bytes → Mail. mailparser's irregular shapes (string or array) end here. */
export async function parseMail(raw: Buffer): Promise<Mail> {
  let parsed: ParsedMail;
  try {
    parsed = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  } catch (err) {
    throw new MailParseError(errorMessage(err), err);
  }
  const subject = parsed.subject ?? '';
  const tag = parseSubject(subject);
  const text = (parsed.text ?? '').replace(/\r\n/g, '\n');
  const attachedDiffs = parsed.attachments
    .filter((a) => /^text\/|^application\/octet-stream$/.test(a.contentType))
    .map((a) => a.content.toString('utf8'))
    .map(findDiff)
    .filter((d): d is string => d !== null);
  const diff = findDiff(text) ?? attachedDiffs[0] ?? null;
  const pull = findPullRequest(text);
  const messageId = stripAngles(parsed.messageId) ?? syntheticMessageId(raw);
  return {
    messageId,
    inReplyTo: stripAngles(parsed.inReplyTo?.split(/\s+/)[0]) ?? null,
    references: toList(parsed.references)
      .flatMap((r) => r.split(/\s+/))
      .map(stripAngles)
      .filter(isString),
    from: firstAddress(parsed.from),
    subject,
    date: parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date : null,
    tag,
    kind: classify(tag, diff, pull !== null),
    text,
    diff,
    trailers: findTrailers(diff ? commitMessage(text) : text),
    pull,
  };
}

function classify(tag: SubjectTag, diff: string | null, isPull: boolean): MailKind {
  if (tag.reply) return 'reply';
  if (isPull || tag.prefixes.includes('PULL') || tag.prefixes.includes('GIT'))
    return isPull || !diff ? 'pull' : 'patch';
  if (tag.part === 0 && tag.total !== null && tag.total > 0) return 'cover';
  if (diff) return 'patch';
  return 'other';
}

function firstAddress(from: AddressObject | AddressObject[] | undefined): Address {
  const first = toList(from)[0]?.value[0];
  return { name: first?.name ?? '', address: (first?.address ?? '').toLowerCase() };
}

function toList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function stripAngles(id: string | undefined): string | undefined {
  const trimmed = id?.trim().replace(/^<|>$/g, '');
  return trimmed ? trimmed : undefined;
}

function isString(value: string | undefined): value is string {
  return value !== undefined;
}

/** Some real mails have no Message-ID; a stable one derived from the bytes keeps them addressable. */
function syntheticMessageId(raw: Buffer): string {
  return `${createHash('sha256').update(raw).digest('hex').slice(0, 32)}@patchferry.invalid`;
}
