import type { Stats } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import etag from 'etag';
import fresh from 'fresh';

/** A file's validators (RFC 9110 8.8): a strong entity tag of its size and modification time in
 * milliseconds (the `etag` package's form, as httpd's default FileETag "MTime Size"), and its
 * modification time as an HTTP-date (whole seconds). The publisher writes a new file and renames
 * it into place, so new content always comes with a new modification time. */
export interface Validators {
  readonly etag: string;
  readonly lastModified: string;
}

export function validators(info: Stats): Validators {
  return { etag: etag(info, { weak: false }), lastModified: info.mtime.toUTCString() };
}

/** Whether a request's If-Range (RFC 9110 13.1.5) lets its Range apply to the file: absent, or an
 * entity tag equal to `v.etag` by strong comparison (a weak tag never matches), or an HTTP-date
 * exactly equal to Last-Modified. Anything else, malformed or repeated included, means the whole
 * file (200). */
export function ifRangeHolds(header: string | readonly string[] | undefined, v: Validators): boolean {
  if (header === undefined) return true;
  if (typeof header !== 'string') return false;
  const value = header.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return value === v.etag;
  const date = Date.parse(value);
  return !Number.isNaN(date) && date === Date.parse(v.lastModified);
}

/** Whether a GET or HEAD is answered 304 Not Modified (RFC 9110 13.1.2, 13.1.3: If-None-Match by
 * weak comparison, else If-Modified-Since), with the `fresh` package. The request's Cache-Control
 * is not passed on: `fresh` reads its no-cache as "reload", but that directive is for caches
 * (RFC 9111 5.2.1.4), and an origin server evaluates the conditions regardless, as httpd does;
 * fetch() sends it with every conditional request. */
export function notModified(request: IncomingHttpHeaders, v: Validators): boolean {
  const { 'if-none-match': ifNoneMatch, 'if-modified-since': ifModifiedSince } = request;
  return fresh(
    { 'if-none-match': ifNoneMatch, 'if-modified-since': ifModifiedSince },
    { etag: v.etag, 'last-modified': v.lastModified },
  );
}
