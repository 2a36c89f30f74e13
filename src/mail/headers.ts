import { isUtf8 } from 'node:buffer';
import { decodeEncodedWords } from './encoded-words.ts';
import { asciiTrim, splitFrom } from './git-ident.ts';
import addressparser from 'nodemailer/lib/addressparser';

/** The header block of a raw message, decoded once, by lower-cased field name. A field seen twice
 * keeps both values, in order, so callers choose (mailparser gives a string or an array). */
export interface Headers {
  readonly fields: ReadonlyMap<string, readonly string[]>;
  /** Offset of the body in the raw bytes. */
  readonly bodyStart: number;
}

export function readHeaders(raw: Buffer): Headers {
  const { end, bodyStart } = headerEnd(raw);
  const fields = new Map<string, string[]>();
  const text = raw.toString('latin1', 0, end);
  // Field by field, each unfolded on its own: list archives carry kilobytes of Received and DKIM
  // lines per mail, and unfolding or splitting the whole block at once copied it again each time.
  // A line that is not "Name: value" (an mbox From_ line, junk) is skipped.
  for (let at = 0; at < text.length;) {
    let nl = text.indexOf('\n', at);
    while (nl !== -1 && isFold(text.charCodeAt(nl + 1))) nl = text.indexOf('\n', nl + 1);
    const next = nl === -1 ? text.length : nl;
    const lineEnd = nl !== -1 && text.charCodeAt(nl - 1) === 13 ? nl - 1 : next;
    const colon = text.indexOf(':', at);
    if (colon > at && colon < lineEnd && !/\s/.test(text.slice(at, colon))) {
      const key = text.slice(at, colon).toLowerCase();
      const value = text.slice(colon + 1, lineEnd);
      const list = fields.get(key);
      const decoded = bytesToText(unfold(value).trim());
      if (list) list.push(decoded);
      else fields.set(key, [decoded]);
    }
    at = next + 1;
  }
  return { fields, bodyStart };
}

/** A space or tab opening a line continues the field above (RFC 5322 folding). */
function isFold(char: number): boolean {
  return char === 32 || char === 9;
}

function unfold(value: string): string {
  return value.includes('\n') ? value.replace(/\r?\n[ \t]/g, ' ') : value;
}

/** The first value of a field, with RFC 2047 encoded words decoded as git mailinfo decodes them
 * (encoded-words.ts) and runs of white space folded to one space. Only ASCII white space is white
 * space, as in git: a no-break space, an ideographic space or a form feed stays as it is. */
export function headerText(headers: Headers, name: string): string | null {
  const value = headers.fields.get(name)?.[0];
  if (value === undefined) return null;
  return asciiTrim(decodeEncodedWords(value).replace(/[ \t\r\n]+/g, ' '));
}

/** Message-IDs in a field (without angle brackets), in order; bare ids are accepted too. */
export function messageIds(headers: Headers, name: string): string[] {
  const values = headers.fields.get(name) ?? [];
  const out: string[] = [];
  for (const value of values) {
    const bracketed = [...value.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1] as string);
    out.push(...(bracketed.length > 0 ? bracketed : value.split(/\s+/).filter((v) => v.includes('@'))));
  }
  return out;
}

export function firstAddress(headers: Headers, name: string): { name: string; address: string } {
  const value = headers.fields.get(name)?.[0] ?? '';
  const [first] = addressparser(value, { flatten: true });
  const display = value.includes('=?')
    ? nameAsGit(value, first?.name ?? '')
    : decodeEncodedWords(first?.name ?? '');
  // A name is one line with runs of ASCII white space folded, as git's cleanup_space folds them
  // (an encoded word can carry CR or LF). The address as written; compared without case where it
  // matters (series/sender.ts).
  return { name: asciiTrim(display.replace(/[ \t\r\n]+/g, ' ')), address: (first?.address ?? '').trim() };
}

/** A name with encoded words read as git reads it: the whole value decoded first, then the address
 * taken out and quotes undone, so a quote or comment an encoded word carries is read as git
 * reads it. `parsed` (the parser's name, decoded) when git would find no address. */
function nameAsGit(value: string, parsed: string): string {
  const { name, email } = splitFrom(decodeEncodedWords(value.replace(/\r?\n(?=[ \t])/g, '')));
  return email === '' ? decodeEncodedWords(parsed) : name === email ? '' : name;
}

export function headerDate(headers: Headers): Date | null {
  const value = headers.fields.get('date')?.[0];
  if (!value) return null;
  const date = new Date(value.replace(/\s*\([^)]*\)\s*$/, ''));
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Raw header bytes are UTF-8 in most mail today; where they are not, Latin-1 keeps every byte. */
function bytesToText(latin1: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(latin1)) return latin1;
  const bytes = Buffer.from(latin1, 'latin1');
  return isUtf8(bytes) ? bytes.toString('utf8') : latin1;
}

function headerEnd(raw: Buffer): { end: number; bodyStart: number } {
  const lf = raw.indexOf('\n\n');
  const crlf = raw.indexOf('\r\n\r\n');
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return { end: crlf, bodyStart: crlf + 4 };
  if (lf !== -1) return { end: lf, bodyStart: lf + 2 };
  return { end: raw.length, bodyStart: raw.length };
}
