import { isUtf8 } from 'node:buffer';
import libmime from 'libmime';
import { decode as decodeCharset } from 'libmime/lib/charset.js';
import libqp from 'libqp';
import { headerText, type Headers } from './headers.ts';

/** The body bytes of a single-part text/plain message, transfer encoding undone, with the
 * parameters of its Content-Type; or what else the message is (multipart, HTML, an attachment, an
 * unknown transfer encoding), for which a full MIME parser is needed. */
export function plainPart(
  raw: Buffer,
  headers: Headers,
): { bytes: Buffer; params: Record<string, string | undefined> } | { notPlain: string } {
  const type = headers.fields.get('content-type');
  if (type && type.length > 1) return { notPlain: 'two Content-Type headers' };
  const parsed = type
    ? libmime.parseHeaderValue(type[0] ?? '')
    : { value: 'text/plain', params: {} as Record<string, string> };
  if (parsed.value.toLowerCase() !== 'text/plain') return { notPlain: `a ${parsed.value} mail` };
  const disposition = headerText(headers, 'content-disposition');
  if (disposition && /^attachment/i.test(disposition)) return { notPlain: 'an attachment' };

  const body = raw.subarray(headers.bodyStart);
  const encoding = (headerText(headers, 'content-transfer-encoding') ?? '7bit').toLowerCase();
  const params = parsed.params as Record<string, string | undefined>;
  if (encoding === 'base64') return { bytes: Buffer.from(body.toString('latin1'), 'base64'), params };
  if (encoding === 'quoted-printable') return { bytes: libqp.decode(body.toString('latin1')), params };
  if (['7bit', '8bit', 'binary', ''].includes(encoding)) return { bytes: body, params };
  return { notPlain: `transfer encoding ${encoding}` };
}

/** The text of a single-part text/plain message, decoded without a MIME parser; null when the
 * message is anything else (multipart, HTML, attachments), which the full parser handles.
 * Most list mail is plain text, and this path is what makes scanning archives fast. */
export function plainBody(raw: Buffer, headers: Headers): string | null {
  const part = plainPart(raw, headers);
  if ('notPlain' in part) return null;
  const { bytes, params } = part;
  let text = decodeCharset(bytes, charsetOf(params.charset, bytes));
  if ((params.format ?? '').toLowerCase() === 'flowed') {
    text = libmime.decodeFlowed(text, (params.delsp ?? '').toLowerCase() === 'yes');
  }
  return text;
}

/** A declared charset that cannot be right ("none", "y", a missing one) is replaced by what the
 * bytes are: UTF-8 when they decode as such, else Windows-1252, the usual unlabeled 8-bit. */
function charsetOf(declared: string | undefined, bytes: Buffer): string {
  const name = (declared ?? '').trim().toLowerCase();
  // Declared ASCII with 8-bit bytes in it is read as UTF-8, as mailparser does.
  if (/^(us-?)?ascii$/.test(name)) return 'utf-8';
  if (name && name !== 'none' && isKnownCharset(name)) return name;
  return isUtf8(bytes) ? 'utf-8' : 'windows-1252';
}

function isKnownCharset(name: string): boolean {
  try {
    new TextDecoder(libmime.normalizeCharset(name));
    return true;
  } catch {
    return ['iso-2022-jp', 'shift_jis', 'euc-jp', 'ks_c_5601-1987'].includes(name);
  }
}
