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

  const encoding = (headerText(headers, 'content-transfer-encoding') ?? '7bit').toLowerCase();
  if (!['base64', 'quoted-printable', '7bit', '8bit', 'binary', ''].includes(encoding))
    return { notPlain: `transfer encoding ${encoding}` };
  const params = parsed.params as Record<string, string | undefined>;
  return { bytes: undoTransferEncoding(raw.subarray(headers.bodyStart), encoding), params };
}

/** A part's body with its Content-Transfer-Encoding (RFC 2045 6) undone: base64 and
 * quoted-printable are decoded; any other encoding, known or not, is taken as the bytes it is. */
export function undoTransferEncoding(body: Buffer, encoding: string): Buffer {
  if (encoding === 'base64') return Buffer.from(body.toString('latin1'), 'base64');
  if (encoding === 'quoted-printable') return libqp.decode(body.toString('latin1'));
  return body;
}

/** The text of a single-part text/plain message, decoded without a MIME parser; null when the
 * message is anything else (multipart, HTML, attachments), which the full parser handles.
 * Most list mail is plain text, and this path is what makes scanning archives fast. */
export function plainBody(raw: Buffer, headers: Headers): string | null {
  const part = plainPart(raw, headers);
  if ('notPlain' in part) return null;
  const { bytes, params } = part;
  return decodeText(bytes, {
    charset: params.charset,
    flowed: (params.format ?? '').toLowerCase() === 'flowed',
    delSp: (params.delsp ?? '').toLowerCase() === 'yes',
  });
}

/** A text part's decoded bytes → its text: the charset applied (see charsetOf), then
 * format=flowed lines joined (RFC 3676 4.2; with DelSp=yes the space before a soft break goes). */
export function decodeText(
  bytes: Buffer,
  form: { charset: string | undefined; flowed: boolean; delSp: boolean },
): string {
  const text = decodeCharset(bytes, charsetOf(form.charset, bytes));
  return form.flowed ? libmime.decodeFlowed(text, form.delSp) : text;
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
