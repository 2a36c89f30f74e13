import parseRange from 'range-parser';

/** What a GET with a `Range` header gets of a file of `size` bytes: the whole file (no Range, one
 * this server ignores, as RFC 9110 14.2 allows: not bytes, malformed, or several ranges), one part
 * (`start` to `end`, inclusive, as Content-Range counts), or nothing (416: no byte of it exists). */
export type ByteRange =
  | { readonly kind: 'whole' }
  | { readonly kind: 'part'; readonly start: number; readonly end: number }
  | { readonly kind: 'unsatisfiable' };

/** Reads a request's Range header (RFC 9110 14.1.2) for a file of `size` bytes, with range-parser.
 * Only single byte ranges are served: what dnf/librepo and curl send to resume a download. */
export function byteRange(size: number, header: string | undefined): ByteRange {
  if (header === undefined) return { kind: 'whole' };
  const ranges = parseRange(size, header);
  if (ranges === -1) return { kind: 'unsatisfiable' };
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return { kind: 'whole' };
  const [only] = ranges;
  return only ? { kind: 'part', start: only.start, end: only.end } : { kind: 'whole' };
}
