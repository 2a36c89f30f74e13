import libmime from 'libmime';
import { readHeaders, type Headers } from './headers.ts';

/** How deep multiparts may nest: real mail nests two or three levels (mixed > alternative > related);
 * deeper is made to wear parsers out. */
const MAX_NESTING = 16;

/**
 * Why a message cannot be read faithfully, or null when it can: a NUL byte in its header, a
 * multipart (at any depth) that lacks its closing boundary (a truncated mail, whose last part would
 * be read cut short), multiparts nested deeper than 16, or a base64 part that is not base64 (a
 * decoder would skip the bad bytes and hand on what remains). Such a mail is quarantined with this
 * reason. Pure; looks only at the bytes.
 */
export function malformation(raw: Buffer, headers: Headers = readHeaders(raw)): string | null {
  if (raw.subarray(0, headers.bodyStart).includes(0)) return 'a NUL byte in its header';
  return entity(raw, headers, 0);
}

function entity(raw: Buffer, headers: Headers, depth: number): string | null {
  const type = headers.fields.get('content-type')?.[0];
  const parsed = type ? libmime.parseHeaderValue(type) : { value: 'text/plain', params: {} };
  const media = parsed.value.toLowerCase();
  const body = raw.subarray(headers.bodyStart);
  if (media.startsWith('multipart/')) {
    if (depth >= MAX_NESTING) return `multiparts nested deeper than ${MAX_NESTING}`;
    const boundary = (parsed.params as Record<string, string | undefined>).boundary;
    if (!boundary) return `a ${media} part without a boundary`;
    const parts = splitParts(body, boundary);
    if (parts === null)
      return `a ${media} part without its closing boundary "--${boundary}--" (a truncated mail)`;
    for (const part of parts) {
      const problem = entity(part, readHeaders(part), depth + 1);
      if (problem) return problem;
    }
    return null;
  }
  const encoding = (headers.fields.get('content-transfer-encoding')?.[0] ?? '').trim().toLowerCase();
  if (encoding === 'base64' && !isBase64(body)) return `a ${media} part whose base64 cannot be decoded`;
  return null;
}

/** The parts between `--boundary` lines, or null when the closing `--boundary--` never comes.
 * Read in the bytes, a line decoded only when it starts with "--": a string of the whole body
 * would copy a 5 MB attachment again (and its lines once more). */
function splitParts(body: Buffer, boundary: string): Buffer[] | null {
  const delimiter = `--${boundary}`;
  const parts: Buffer[] = [];
  let start: number | null = null;
  let at = 0;
  while (at <= body.length) {
    const end = body.indexOf(10, at);
    const lineEnd = end === -1 ? body.length : end;
    if (body[at] === 0x2d && body[at + 1] === 0x2d) {
      const line = body.toString('latin1', at, lineEnd).replace(/\r$/, '').trimEnd();
      if (line === delimiter || line === `${delimiter}--`) {
        if (start !== null) parts.push(body.subarray(start, Math.max(start, at - 1)));
        if (line !== delimiter) return parts;
        start = lineEnd + 1;
      }
    }
    if (end === -1) break;
    at = end + 1;
  }
  return null;
}

/** Base64 letters (RFC 4648 table 1). */
const LETTER = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')
  LETTER[c.charCodeAt(0)] = 1;

/** Letters and white space (CR, LF, tab, space), then at most two '=' among white space; and not
 * one letter over a whole number of 4-letter groups, which decodes to nothing. Byte by byte: a
 * string of the body and a copy without its white space cost twice an attachment's size. */
function isBase64(body: Buffer): boolean {
  let letters = 0;
  let pads = 0;
  for (const b of body) {
    if (b === 0x0d || b === 0x0a || b === 0x09 || b === 0x20) continue;
    if (b === 0x3d) {
      if (++pads > 2) return false;
      continue;
    }
    if (pads > 0 || LETTER[b] !== 1) return false;
    letters++;
  }
  return letters % 4 !== 1;
}

/** File names in a diff's headers, where git would read a NUL as the end of the name (the
 * patch would then change another file than the one it shows): a NUL there is refused. */
export function diffPathProblem(diff: string): string | null {
  if (!diff.includes('\0')) return null;
  for (const line of diff.split('\n')) {
    if (!line.includes('\0')) continue;
    if (/^(?:diff |--- |\+\+\+ |rename |copy |Index: )/.test(line))
      return 'a NUL byte in a file name of its diff';
  }
  return null;
}
