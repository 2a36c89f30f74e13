import { isUtf8 } from 'node:buffer';
import { headerText, readHeaders } from '../mail/headers.ts';
import { mailInfo, PATCH_START } from '../mail/mailinfo.ts';
import { plainPart } from '../mail/plain-body.ts';

/**
 * What `git am` makes of one mail, worked out without git: the author (name, address, date as git
 * writes them into a commit), the commit message, and the patch text that `git apply` gets. For the
 * in-memory fast path of the applier, which must make the very commits `git am` would; a mail whose
 * reading is in any doubt (multipart, an odd charset, a date git might read otherwise) is reported
 * as unsupported and left to `git am`. Pure.
 */
export interface AmCommit {
  readonly author: Ident;
  readonly message: string;
  /** The patch, one character per byte (Latin-1), as `git mailinfo` writes its patch file. */
  readonly patch: string;
}

export interface Ident {
  readonly name: string;
  readonly email: string;
  /** git's raw date: seconds since the epoch and the writer's offset, "1700000000 +0100". */
  readonly date: string;
}

export function amCommit(raw: Buffer): AmCommit | { readonly unsupported: string } {
  // git mailsplit turns CRLF line ends into LF before anything else reads the mail.
  // A mail without CR LF is read as it is: a copy of a mail with a large attachment costs its size.
  const mail = raw.includes('\r\n')
    ? Buffer.from(raw.toString('latin1').replace(/\r\n/g, '\n'), 'latin1')
    : raw;
  const headers = readHeaders(mail);
  const part = plainPart(mail, headers);
  if ('notPlain' in part) return { unsupported: part.notPlain };
  const { bytes: body, params } = part;
  if ((params.format ?? '').toLowerCase() === 'flowed') return { unsupported: 'format=flowed' };
  const charset = (params.charset ?? '').toLowerCase();

  const lines = body.toString('latin1').split('\n');
  const start = lines.findIndex((l) => PATCH_START.test(l));
  if (start < 0) return { unsupported: 'no patch in the mail' };
  const above = Buffer.from(lines.slice(0, start).join('\n'), 'latin1');
  const message = messageText(above, charset);
  if (message === null) return { unsupported: `a ${charset || 'unlabelled'} message with 8-bit text` };
  for (const name of ['from', 'subject', 'date']) {
    const value = Buffer.from(headers.fields.get(name)?.[0] ?? '', 'utf8');
    if (value.some((b) => b > 0x7f)) return { unsupported: `8-bit ${name} header` };
  }
  const info = mailInfo({
    from: headerText(headers, 'from') ?? '',
    subject: headerText(headers, 'subject') ?? '',
    date: headerText(headers, 'date') ?? '',
    text: `${message}\n${lines[start] ?? ''}\n`,
  });
  const name = info.author;
  if (!plainIdent(name) || !plainIdent(info.email)) {
    return { unsupported: `an author git would clean up: ${name} <${info.email}>` };
  }
  const date = gitDate(info.date);
  if (!date) return { unsupported: `a date git might read otherwise: ${info.date}` };
  if (!info.subject) return { unsupported: 'no subject' };
  return {
    author: { name, email: info.email, date },
    message: stripSpace(`${info.subject}\n\n${info.message}`),
    patch: lines.slice(start).join('\n'),
  };
}

/** A name or address git writes as it is: non-empty, no angle brackets or newlines, and nothing
 * at either end that git's ident code strips ("crud": spaces, quotes, commas, dots …). */
export function plainIdent(value: string): boolean {
  if (!value || /[<>\n]/.test(value)) return false;
  return !isCrud(value.charCodeAt(0)) && !isCrud(value.charCodeAt(value.length - 1));
}

function isCrud(c: number): boolean {
  return c <= 32 || ',:;<>"\\\'.'.includes(String.fromCharCode(c));
}

/** The message as git converts it from the mail's charset to UTF-8, where that is sure: nothing to
 * convert in UTF-8, nor in plain ASCII under any charset that extends it, and ISO-8859-1 is byte
 * for code point; null for what only git (iconv) should convert. */
function messageText(bytes: Buffer, charset: string): string | null {
  const ascii = !bytes.some((b) => b > 0x7f);
  if (ascii && !/^(utf-?(16|32|7)|ucs|iso-2022)/.test(charset)) return bytes.toString('latin1');
  if (/^(utf-?8|)$/.test(charset) && isUtf8(bytes)) return bytes.toString('utf8');
  if (/^(iso-?8859-1|latin-?1|l1)$/.test(charset)) return bytes.toString('latin1');
  return null;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const RFC2822 =
  /^(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s+([+-])(\d{2})(\d{2})$/;
const RAW = /^@?(\d{9,11})\s+([+-])(\d{2})(\d{2})$/;

/** A date as git writes it into a commit ("<seconds> <+hhmm>"), from an RFC 2822 date (as mails
 * carry) or git's raw form; null for anything else, which only git itself should interpret. */
export function gitDate(written: string): string | null {
  // A comment after the offset, "(CET)", is a word git skips, or a zone name it ignores when there
  // is an offset; unless git takes it for a month or for AM/PM.
  const comment = /\s+\(([A-Za-z]+)\)$/.exec(written.trim());
  const word = (comment?.[1] ?? '').toLowerCase();
  if (comment && (MONTHS.includes(word.slice(0, 3)) || /^(am|pm)/.test(word))) return null;
  const text = comment ? written.trim().slice(0, comment.index) : written;
  const raw = RAW.exec(text.trim());
  if (raw) return offsetOk(raw[3], raw[4]) ? `${raw[1]} ${zoneOf(raw[2], raw[3], raw[4])}` : null;
  const m = RFC2822.exec(text.trim());
  if (!m) return null;
  const [day, month, year, hour, minute, second] = [
    Number(m[1]),
    MONTHS.indexOf((m[2] ?? '').toLowerCase()),
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6] ?? 0),
  ];
  if (month < 0 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59 || year < 1970) return null;
  if (!offsetOk(m[8], m[9])) return null;
  const utc = Date.UTC(year, month, day, hour, minute, second) / 1000;
  if (new Date(utc * 1000).getUTCDate() !== day) return null; // 31 Feb and the like
  const offset = (Number(m[8]) * 60 + Number(m[9])) * 60 * (m[7] === '-' ? -1 : 1);
  return `${utc - offset} ${zoneOf(m[7], m[8], m[9])}`;
}

function offsetOk(hours: string | undefined, minutes: string | undefined): boolean {
  return Number(hours) < 24 && Number(minutes) < 60;
}

/** git keeps the writer's offset, but "-0000" is zero, which it writes as "+0000". */
function zoneOf(sign: string | undefined, hours: string | undefined, minutes: string | undefined): string {
  return `${Number(hours) === 0 && Number(minutes) === 0 ? '+' : sign}${hours}${minutes}`;
}

/** The offset of local time now, as git writes it for a commit made now. */
export function localZone(at: Date): string {
  const minutes = -at.getTimezoneOffset();
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

/** git's stripspace (no comment removal), as `git am` and `git commit --no-edit` clean a message:
 * trailing whitespace off every line, runs of blank lines made one, none at either end. */
export function stripSpace(text: string): string {
  const out: string[] = [];
  let blank = false;
  for (const line of text.split('\n')) {
    const trimmed = line.replace(/[ \t\r]+$/, '');
    if (trimmed === '') {
      blank = out.length > 0;
      continue;
    }
    if (blank) out.push('');
    blank = false;
    out.push(trimmed);
  }
  return out.map((l) => `${l}\n`).join('');
}
