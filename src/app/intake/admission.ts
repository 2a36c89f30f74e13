import type { Limits } from '../../config/limits.ts';
import type { MailRecords } from '../../ports/store.ts';

/** Why a mail is refused before anything reads its body, and what of it is kept as evidence. */
export interface Refusal {
  readonly reason: string;
  /** What the record keeps: the header block alone, so a flood of huge mails fills no disk. */
  readonly kept: Buffer;
}

const HEADER_KEPT = 64 * 1024;

/**
 * The limits a mail meets on arrival (config `limits`): its size, and how many mails its sender
 * sent in the last hour (not counted for mail of the past: `history`). Null when it is admitted.
 * Units: bytes, mails per hour.
 */
export function admission(
  limits: Limits,
  mails: Pick<MailRecords, 'countFrom'>,
  mail: { readonly sender: string },
  raw: Buffer,
  history: boolean,
): Refusal | null {
  const tooBig = mailSizeRefusal(limits, raw);
  if (tooBig !== null) return refusal(raw, tooBig);
  if (!history && mail.sender !== '' && mails.countFrom(mail.sender, 3600) >= limits.mailsPerSenderPerHour)
    return refusal(
      raw,
      `${mail.sender} sent more than limits.mailsPerSenderPerHour (${limits.mailsPerSenderPerHour}) mails within an hour; it was not read`,
    );
  return null;
}

/** Why a mail of `raw.length` bytes is refused unread (limits.mailBytes), or null: the size part of
 * admission, which `scan --config` shows too. */
export function mailSizeRefusal(limits: Pick<Limits, 'mailBytes'>, raw: Buffer): string | null {
  return raw.length > limits.mailBytes
    ? `the mail is ${raw.length} bytes, more than limits.mailBytes (${limits.mailBytes}); it was not read`
    : null;
}

function refusal(raw: Buffer, reason: string): Refusal {
  const end = raw.indexOf('\n\n');
  const head = raw.subarray(0, Math.min(end === -1 ? raw.length : end + 2, HEADER_KEPT));
  return { reason, kept: Buffer.from(head) };
}
