import { createHash } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { oneLine } from '../render/one-line.ts';
import type { ReportMessage } from '../ports/report-message.ts';

export interface Envelope {
  readonly from: string;
  readonly date?: Date;
}

/** A report as RFC 5322 bytes; its Message-ID is derived from the report key so resends are recognised. */
export function composeReport(key: string, message: ReportMessage, envelope: Envelope): Promise<Buffer> {
  const domain = /@([^>\s]+)/.exec(envelope.from)?.[1] ?? 'patchferry.invalid';
  const mail = new MailComposer({
    from: envelope.from,
    to: message.to.flatMap(recipient),
    cc: message.cc.flatMap(recipient),
    subject: oneLine(message.subject, SUBJECT_MAX),
    text: message.body,
    date: envelope.date ?? new Date(),
    messageId: `<patchferry-${createHash('sha256').update(key).digest('hex').slice(0, 24)}@${domain}>`,
    inReplyTo: message.inReplyTo ? `<${message.inReplyTo}>` : undefined,
    references: message.references.map((r) => `<${r}>`),
    // RFC 3834 §5: an automatic reply says so, so that other robots do not answer it; the marker
    // lets patchferry (trust/backscatter.ts) and mail filters know its own reports.
    headers: { 'Auto-Submitted': 'auto-replied', 'X-Patchferry-Report': key },
  });
  return mail.compile().build();
}

/** Names and subjects come from mail, so from outsiders: made one line and cut well below RFC
 * 5322's 998 characters; the composer folds (encodes) what remains. */
const SUBJECT_MAX = 400;
const NAME_MAX = 120;

/** A recipient ("Name <address>" or a bare address) as name and address, the name made one short
 * line. Exactly one address per recipient: a name written to look like a group ("x: a@b, c@d;")
 * or a second address reaches nobody. None when it holds no address. */
function recipient(text: string): { name: string; address: string }[] {
  const flat = oneLine(text, 4096);
  const named = /^(.*)<([^<>\s]+@[^<>\s]+)>$/.exec(flat);
  if (named)
    return [{ name: oneLine((named[1] ?? '').replace(/^"|"$/g, ''), NAME_MAX), address: named[2] ?? '' }];
  return /^[^\s<>@,;:"]+@[^\s<>@,;:"]+$/.test(flat) ? [{ name: '', address: flat }] : [];
}
