import { createReadStream, type Stats } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, sep } from 'node:path';
import { PatchferryError } from '../shared/errors.ts';
import { byteRange } from './byte-range.ts';
import { ifRangeHolds, notModified, validators } from './validators.ts';

const TYPES: Record<string, string> = {
  '.xml': 'application/xml',
  '.gz': 'application/gzip',
  '.zst': 'application/zstd',
  '.bz2': 'application/x-bzip2',
  '.xz': 'application/x-xz',
  '.rpm': 'application/x-rpm',
  '.repo': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.asc': 'application/pgp-signature',
};

/**
 * How long a client may keep a file, as examples/httpd/patchferry.conf says it: repomd.xml (and its
 * signature) revalidated on every fetch, pages, .repo files and the key for a minute, packages and
 * checksum-named metadata for good (an NVR is never reused), other metadata revalidated. `path` is
 * the URL path.
 */
export function cacheControl(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (/^repomd\.xml(\.asc)?$/.test(name)) return 'no-cache';
  if (name === '' || /(\.repo|\.html)$/.test(name) || name.startsWith('RPM-GPG-KEY-')) return 'max-age=60';
  if (name.endsWith('.rpm') || /^[0-9a-f]{64}-/.test(name)) return 'max-age=31536000, immutable';
  return 'no-cache';
}

export interface StaticServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves the published tree over HTTP, as httpd would: for the embedded default and for tests.
 * Only GET and HEAD; files with strong validators (ETag, Last-Modified), 304 to a current
 * conditional request, a single byte range under If-Range; nothing outside the root is reachable. */
export async function serveDirectory(
  root: string,
  opts: { host?: string; port?: number } = {},
): Promise<StaticServer> {
  const realRoot = await realpath(root);
  const server: Server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      // Hidden names (the states, the manifests) are the publisher's own, as in examples/httpd.
      if (path.split('/').some((segment) => segment.startsWith('.'))) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      const target = await realpath(join(realRoot, path)).catch(() => null);
      // Symlinks inside the root (the publisher's snapshots) are followed; escapes are not.
      if (target === null || (target !== realRoot && !target.startsWith(realRoot + sep))) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      const info = await stat(target);
      if (info.isDirectory()) {
        if (!path.endsWith('/')) {
          res.writeHead(301, { location: `${path}/` }).end();
          return;
        }
        // As httpd's DirectoryIndex: the publisher's index.html where there is one.
        const index = join(target, 'index.html');
        const indexInfo = await stat(index).catch(() => null);
        if (indexInfo?.isFile()) {
          sendFile(req, res, index, indexInfo, {
            'content-type': TYPES['.html'] as string,
            'cache-control': cacheControl(path),
          });
          return;
        }
        const names = (await readdir(target, { withFileTypes: true })).filter((e) => !e.name.startsWith('.'));
        const items = names.map(
          (e) => `<a href="${encodeURIComponent(e.name)}${e.isFile() ? '' : '/'}">${escapeHtml(e.name)}</a>`,
        );
        res.writeHead(200, { 'content-type': TYPES['.html'] as string });
        res.end(
          req.method === 'HEAD'
            ? undefined
            : `<!doctype html><title>${escapeHtml(path)}</title><pre>\n${items.join('\n')}\n</pre>\n`,
        );
        return;
      }
      const name = path.slice(path.lastIndexOf('/') + 1);
      sendFile(req, res, target, info, {
        'content-type': name.startsWith('RPM-GPG-KEY-')
          ? 'application/pgp-keys'
          : (TYPES[extname(target)] ?? 'application/octet-stream'),
        'cache-control': cacheControl(path),
      });
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    });
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new PatchferryError(
          'serve_failed',
          `cannot serve ${root} on ${host}:${opts.port ?? 0}: ${err.code === 'EADDRINUSE' ? 'the port is in use; choose another (--port 0 picks a free one)' : err.code === 'EADDRNOTAVAIL' ? 'this machine has no such address; give one of its own with --host' : err.message}`,
          { cause: err },
        ),
      ),
    );
    server.listen(opts.port ?? 0, host, resolve);
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}/`,
    close: () => new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

/** Answers a GET or HEAD of one file with its validators: 304 when the client's copy is current, its
 * single byte range (206, or 416 when none of it exists) when If-Range allows, else the whole file.
 * dnf (librepo) and curl resume an interrupted download with a Range request; If-Range keeps such a
 * resume from splicing two publications of the same name (repomd.xml). */
function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: string,
  info: Stats,
  typeAndCaching: { readonly 'content-type': string; readonly 'cache-control': string },
): void {
  const v = validators(info);
  const headers = {
    ...typeAndCaching,
    'accept-ranges': 'bytes',
    etag: v.etag,
    'last-modified': v.lastModified,
  };
  if (notModified(req.headers, v)) {
    res.writeHead(304, {
      etag: v.etag,
      'last-modified': v.lastModified,
      'cache-control': headers['cache-control'],
    });
    res.end();
    return;
  }
  const range = ifRangeHolds(req.headers['if-range'], v)
    ? byteRange(info.size, req.headers.range)
    : { kind: 'whole' as const };
  if (range.kind === 'unsatisfiable') {
    res.writeHead(416, { ...headers, 'content-range': `bytes */${info.size}`, 'content-length': 0 }).end();
    return;
  }
  const { start, end } = range.kind === 'part' ? range : { start: 0, end: info.size - 1 };
  res.writeHead(range.kind === 'part' ? 206 : 200, {
    ...headers,
    'content-length': end - start + 1,
    ...(range.kind === 'part' ? { 'content-range': `bytes ${start}-${end}/${info.size}` } : {}),
  });
  if (req.method === 'HEAD' || end < start) res.end();
  else createReadStream(file, { start, end }).pipe(res);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
