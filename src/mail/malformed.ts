import libmime from 'libmime';
import { readHeaders, type Headers } from './headers.ts';

/** How deep multiparts may nest: real mail nests two or three levels (mixed > alternative > related);
 * deeper is made to wear parsers out. */
const MAX_NESTING = 16;
/** Base64 as RFC 2045 writes it: the alphabet, line breaks, and `=` padding only at the end. */
const BASE64 = /^[A-Za-z0-9+/\r\n\t ]*(?:=[\r\n\t ]*){0,2}$/;

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

/** The parts between `--boundary` lines, or null when the closing `--boundary--` never comes. */
function splitParts(body: Buffer, boundary: string): Buffer[] | null {
  const text = body.toString('latin1');
  const delimiter = `--${boundary}`;
  const parts: Buffer[] = [];
  let start: number | null = null;
  let at = 0;
  while (at <= text.length) {
    const end = text.indexOf('\n', at);
    const lineEnd = end === -1 ? text.length : end;
    const line = text.slice(at, lineEnd).replace(/\r$/, '').trimEnd();
    if (line === delimiter || line === `${delimiter}--`) {
      if (start !== null) parts.push(body.subarray(start, Math.max(start, at - 1)));
      if (line !== delimiter) return parts;
      start = lineEnd + 1;
    }
    if (end === -1) break;
    at = end + 1;
  }
  return null;
}

function isBase64(body: Buffer): boolean {
  const text = body.toString('latin1');
  if (!BASE64.test(text)) return false;
  return text.replace(/[\s=]/g, '').length % 4 !== 1;
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
