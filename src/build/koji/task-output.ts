import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { runTool } from '../../shared/run.ts';
import type { KojiClient } from './client.ts';
import { KojiError } from './errors.ts';
import { base64Text, buildArchResult, taskOutput } from './schemas.ts';
import { callSignal, type HubEndpoint } from './transport.ts';

/** Where Koji keeps a task's files: `{topurl}/work/tasks/{id % 10000}/{id}/{file}` (koji.pathinfo). */
export function taskFileUrl(topurl: string, taskId: number, file: string): string {
  return `${topurl.replace(/\/$/, '')}/work/tasks/${taskId % 10000}/${taskId}/${file}`;
}

/** The last `bytes` bytes of a task's log (`build.log`, `root.log`), read with downloadTaskOutput at
 * a negative offset (from the end), starting at a whole line; null when the task wrote no such file.
 * The offset is bounded by the file's size, since the hub cannot seek before a file's start. */
export async function taskLogTail(
  client: KojiClient,
  taskId: number,
  file: string,
  bytes: number,
  signal?: AbortSignal,
): Promise<string | null> {
  const files = await client.call('listTaskOutput', [taskId, true], taskOutput, { signal });
  const size = files[file]?.st_size;
  if (size === undefined) return null;
  if (size === 0) return '';
  const take = Math.min(size, bytes);
  const b64 = await client.call('downloadTaskOutput', [taskId, file, -take, -1], base64Text, { signal });
  const text = Buffer.from(b64, 'base64').toString('utf8');
  return take < size ? text.slice(text.indexOf('\n') + 1) : text;
}

/**
 * Downloads the RPMs a finished buildArch task made into `dir`: the list from getTaskResult, the
 * sizes from listTaskOutput, the files from `{topurl}/work/…` over HTTP(S); each file must have the
 * size the hub reports and pass its own header and payload digests (`rpmkeys --checksig
 * --nosignature`). Returns the local paths. Errors: KojiError `koji_download` (retryable) when a
 * file is short, corrupt or missing.
 */
export async function downloadTaskRpms(
  client: KojiClient,
  topurl: string,
  taskId: number,
  dir: string,
  opts: { readonly signal?: AbortSignal; readonly timeoutMs?: number } = {},
): Promise<string[]> {
  const result = await client.call('getTaskResult', [taskId, false], buildArchResult, {
    signal: opts.signal,
  });
  const sizes = await client.call('listTaskOutput', [taskId, true], taskOutput, { signal: opts.signal });
  const paths: string[] = [];
  for (const rel of [...result.rpms, ...result.srpms]) {
    const name = basename(rel);
    const local = join(dir, name);
    const url = `${topurl.replace(/\/$/, '')}/work/${rel}`;
    const size = await fetchFile(client.hub, url, local, opts);
    const expected = sizes[name]?.st_size;
    if (expected !== undefined && size !== expected) {
      await rm(local, { force: true });
      throw downloadError(`${url} has ${size} bytes, the hub lists ${expected}`);
    }
    await runTool('rpmkeys', ['--checksig', '--nosignature', local], {
      signal: opts.signal,
      timeoutMs: 60_000,
    }).catch(async (err: unknown) => {
      await rm(local, { force: true });
      throw downloadError(`${url} fails its digests (rpmkeys --checksig)`, err);
    });
    paths.push(local);
  }
  return paths;
}

function downloadError(message: string, cause?: unknown): KojiError {
  return new KojiError('koji_download', `Koji download: ${message}; the download is retried`, {
    retryable: true,
    cause,
  });
}

/** GETs `url` into `dest` with the hub's TLS settings (its CA), a time limit and the signal. */
function fetchFile(
  hub: HubEndpoint,
  url: string,
  dest: string,
  opts: { readonly signal?: AbortSignal; readonly timeoutMs?: number },
): Promise<number> {
  const { signal } = callSignal({ timeoutMs: opts.timeoutMs ?? 600_000, signal: opts.signal });
  const target = new URL(url);
  const get = target.protocol === 'https:' ? https.get : http.get;
  return new Promise((resolve, reject) => {
    const req = get(target, { signal, ...(hub.tls?.ca ? { ca: hub.tls.ca } : {}) }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return reject(downloadError(`${url} answered HTTP ${res.statusCode}`));
      }
      let size = 0;
      res.on('data', (c: Buffer) => (size += c.length));
      pipeline(res, createWriteStream(dest)).then(
        () => resolve(size),
        (err: unknown) => reject(downloadError(`${url} broke off`, err)),
      );
    });
    req.on('error', (err) => reject(downloadError(`cannot fetch ${url}: ${err.message}`, err)));
  });
}

export const taskResultFault = z.object({ faultCode: z.number(), faultString: z.string() });
