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
  const name = `smtp:${opts.host}:${opts.port}`;
  const prefix = `${name}:`;
  return {
    name,
    // One envelope per recipient: a server that refuses one (greylisting, a full mailbox) takes
    // the others, and a retry goes to the refused one only. The headers name everyone, as before.
    destinations: (message) => [...new Set([...message.to, ...message.cc].map(bare))].map((a) => prefix + a),
    async send(key: string, message: ReportMessage, destination: string) {
      const recipient = destination.startsWith(prefix) ? destination.slice(prefix.length) : destination;
      const raw = await composeReport(key, message, { from: opts.from });
      try {
        const info = await transport.sendMail({ envelope: { from: bare(opts.from), to: [recipient] }, raw });
        if (info.rejected.length > 0) throw new Error(`the server refused ${recipient}`);
      } catch (err) {
        // 5xx is the server's final word on this recipient; anything else (4xx, no answer) may pass later.
        const code = (err as { responseCode?: unknown }).responseCode;
        const permanent = typeof code === 'number' && code >= 500 && code < 600;
        throw new PatchferryError(
          'smtp_failed',
          `cannot send report "${message.subject}" to ${recipient} via ${opts.host}:${opts.port}: ${errorMessage(err)}${permanent ? ' (refused for good)' : ''}`,
          { cause: err, retryable: !permanent },
        );
      }
    },
  };
}

/** The address part of `Name <address>`, as SMTP's envelope wants it. */
function bare(address: string): string {
  return /<([^<>]+)>/.exec(address)?.[1] ?? address.trim();
}
