import { createTransport } from 'nodemailer';
import { PatchferryError, errorMessage } from '../shared/errors.ts';
import { composeReport } from './compose.ts';
import type { ReportMessage } from '../ports/report-message.ts';
import type { Notifier } from '../ports/notifier.ts';

export interface SmtpOptions {
  readonly host: string;
  readonly port: number;
  readonly security: 'tls' | 'starttls' | 'plain';
  readonly user?: string;
  readonly password?: string;
  readonly from: string;
}

/** Sends reports through an SMTP server, as replies threaded on the list. */
export function smtpNotifier(opts: SmtpOptions): Notifier {
  const transport = createTransport({
    host: opts.host,
    port: opts.port,
    secure: opts.security === 'tls',
    requireTLS: opts.security === 'starttls',
    ignoreTLS: opts.security === 'plain',
    ...(opts.user ? { auth: { user: opts.user, pass: opts.password ?? '' } } : {}),
    // A server that accepts and then says nothing fails the delivery (retried later) in seconds,
    // not after nodemailer's default half minute, which also held up Ctrl-C.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 60_000,
  });
  return {
    name: `smtp:${opts.host}:${opts.port}`,
    async send(key: string, message: ReportMessage) {
      const raw = await composeReport(key, message, { from: opts.from });
      try {
        await transport.sendMail({
          envelope: { from: bare(opts.from), to: [...message.to, ...message.cc].map(bare) },
          raw,
        });
      } catch (err) {
        throw new PatchferryError(
          'smtp_failed',
          `cannot send report "${message.subject}" via ${opts.host}:${opts.port}: ${errorMessage(err)}`,
          {
            cause: err,
            retryable: true,
          },
        );
      }
    },
  };
}

/** The address part of `Name <address>`, as SMTP's envelope wants it. */
function bare(address: string): string {
  return /<([^<>]+)>/.exec(address)?.[1] ?? address.trim();
}
