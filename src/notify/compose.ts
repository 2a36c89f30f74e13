import { createHash } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
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
    to: [...message.to],
    cc: [...message.cc],
    subject: message.subject,
    text: message.body,
    date: envelope.date ?? new Date(),
    messageId: `<patchferry-${createHash('sha256').update(key).digest('hex').slice(0, 24)}@${domain}>`,
    inReplyTo: message.inReplyTo ? `<${message.inReplyTo}>` : undefined,
    references: message.references.map((r) => `<${r}>`),
    headers: { 'X-Patchferry-Report': key },
  });
  return mail.compile().build();
}
