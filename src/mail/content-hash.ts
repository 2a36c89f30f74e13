import { createHash } from 'node:crypto';
import { headerText, readHeaders } from './headers.ts';

/**
 * SHA-256 (hex) of what a mail says: its subject, its sender and its body, with line ends and
 * trailing white space evened out. Two copies of one mail delivered by different routes (mbox and
 * IMAP, with other Received: lines, CRLF or LF) hash the same; a different mail under the same
 * Message-ID does not. Pure.
 */
export function contentHash(raw: Buffer): string {
  const headers = readHeaders(raw);
  const body = raw
    .subarray(headers.bodyStart)
    .toString('latin1')
    .replace(/[ \t\r]+$/gm, '')
    .replace(/\n+$/, '');
  return createHash('sha256')
    .update(headerText(headers, 'subject') ?? '')
    .update('\0')
    .update(headers.fields.get('from')?.[0] ?? '')
    .update('\0')
    .update(body, 'latin1')
    .digest('hex');
}
