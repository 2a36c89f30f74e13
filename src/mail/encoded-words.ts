import { decode as decodeCharset } from 'libmime/lib/charset.js';

/** RFC 2047 encoded words (`=?UTF-8?q?caf=C3=A9?=`) decoded as `git mailinfo` decodes them, so that
 * subjects and author names come out as the commits `git am` writes. Pure.
 *
 * git keeps the bytes of a UTF-8 word as they are, even when they are not valid UTF-8 (old history
 * and some mailers put a Latin-1 byte there), and its commit writer then reads each invalid byte as
 * Latin-1 (commit.c, verify_utf8): `=A0` becomes U+00A0, not U+FFFD. Other charsets are converted.
 * White space between two encoded words goes (RFC 2047 §6.2); elsewhere it stays. */
export function decodeEncodedWords(value: string): string {
  if (!value.includes('=?')) return value;
  // As git finds them: "=?", a charset, "?B?" or "?Q?", then anything up to the next "?=".
  const word = /=\?([^?\s]+)\?([bBqQ])\?(.*?)\?=/g;
  let out = '';
  let at = 0;
  let afterWord = false;
  // The bytes of UTF-8 words in a row: git joins them before reading them, so a character split
  // across two words (`=?UTF-8?q?caf=C3?= =?UTF-8?q?=A9?=`) comes out whole.
  let utf8: Buffer[] = [];
  const flush = () => {
    if (utf8.length > 0) out += utf8AsGit(Buffer.concat(utf8));
    utf8 = [];
  };
  for (let m = word.exec(value); m !== null; m = word.exec(value)) {
    const between = value.slice(at, m.index);
    if (!(afterWord && /^[ \t\r\n]*$/.test(between))) {
      flush();
      out += between;
    }
    const bytes = (m[2] ?? '').toUpperCase() === 'B' ? Buffer.from(m[3] ?? '', 'base64') : qBytes(m[3] ?? '');
    const charset = (m[1] ?? '').replace(/\*.*$/, '').toLowerCase();
    if (isUtf8Charset(charset)) utf8.push(bytes);
    else {
      flush();
      out += fromCharset(bytes, charset);
    }
    at = m.index + m[0].length;
    afterWord = true;
  }
  flush();
  return out + value.slice(at);
}

function isUtf8Charset(charset: string): boolean {
  return charset === 'utf-8' || charset === 'utf8' || charset === 'us-ascii';
}

/** The bytes of a Q-encoded word: `_` is a space, `=XX` a byte. */
function qBytes(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c === '_') bytes.push(0x20);
    else if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c.charCodeAt(0) & 0xff);
  }
  return Buffer.from(bytes);
}

function fromCharset(bytes: Buffer, charset: string): string {
  if (isUtf8Charset(charset)) return utf8AsGit(bytes);
  try {
    return decodeCharset(bytes, charset);
  } catch {
    return utf8AsGit(bytes);
  }
}

/** Bytes read as git's commit writer reads them: valid UTF-8 as UTF-8, and each byte that is not
 * part of a valid sequence (a stray, an overlong form, a surrogate, past U+10FFFF) as Latin-1. */
export function utf8AsGit(bytes: Buffer): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const n = validSequence(bytes, i);
    if (n === 0) {
      out += String.fromCharCode(bytes[i] ?? 0);
      i++;
    } else {
      out += bytes.toString('utf8', i, i + n);
      i += n;
    }
  }
  return out;
}

/** The length of the valid UTF-8 sequence at `i`, or 0. */
function validSequence(b: Buffer, i: number): number {
  const c = b[i] ?? 0;
  if (c < 0x80) return 1;
  const n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (n === 0 || i + n > b.length) return 0;
  let code = c & (0xff >> (n + 1));
  for (let k = 1; k < n; k++) {
    const d = b[i + k] ?? 0;
    if ((d & 0xc0) !== 0x80) return 0;
    code = (code << 6) | (d & 0x3f);
  }
  const min = n === 3 ? 0x800 : n === 4 ? 0x10000 : 0x80;
  if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return 0;
  return n;
}
