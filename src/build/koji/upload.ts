import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import type { KojiClient } from './client.ts';
import { KojiError } from './errors.ts';
import { chunkAnswer, uploadCheck } from './schemas.ts';
import { postBytes } from './transport.ts';

/** Koji's CLI uploads in chunks of 1 MiB; XML-RPC bodies are capped at 4 MiB on the hub. */
export const CHUNK_BYTES = 1024 * 1024;

/** Adler-32 (RFC 1950 §8.2) of `data`, continuing from `start` (1 for a fresh sum). Koji verifies
 * uploads with it (`fileverify=adler32`, `%08x`); node:zlib offers crc32 only. */
export function adler32(data: Uint8Array, start = 1): number {
  let a = start & 0xffff;
  let b = (start >>> 16) & 0xffff;
  // 5552 is the largest run whose sums cannot overflow 2^53 before the modulo (zlib's NMAX, for 2^32).
  for (let i = 0; i < data.length;) {
    const end = Math.min(data.length, i + 5552);
    for (; i < end; i++) {
      a += data[i] as number;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

export function hex32(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/**
 * Uploads `file` (an SRPM) to the hub's work area as Koji's CLI does: raw 1 MiB chunks POSTed to
 * `<hub>?filename&filepath&fileverify=adler32&offset`, each chunk's adler32 compared with the hub's,
 * then `checkUpload` compares size and the whole file's adler32. Returns the path `build` takes
 * (`<dir>/<name>`). Errors: KojiError `koji_upload_corrupt` (retryable) when a sum differs.
 */
export async function uploadSrpm(
  client: KojiClient,
  file: string,
  opts: { readonly signal?: AbortSignal; readonly timeoutMs?: number } = {},
): Promise<string> {
  const name = basename(file);
  const dir = `patchferry/${Date.now()}.${randomBytes(4).toString('hex')}`;
  const handle = await open(file, 'r');
  let whole = 1;
  let offset = 0;
  try {
    const buffer = Buffer.alloc(CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, offset);
      if (bytesRead === 0 && offset > 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      const sum = hex32(adler32(chunk));
      whole = adler32(chunk, whole);
      const query = new URLSearchParams({
        filename: name,
        filepath: dir,
        fileverify: 'adler32',
        offset: String(offset),
      });
      const raw = await client.withSession(
        'upload',
        (headers) =>
          postBytes(client.hub, query, chunk, {
            method: 'upload',
            headers,
            timeoutMs: opts.timeoutMs ?? 120_000,
            signal: opts.signal,
          }),
        opts.signal,
      );
      const answer = chunkAnswer.safeParse(raw);
      if (
        !answer.success ||
        answer.data.hexdigest !== sum ||
        answer.data.size !== bytesRead ||
        answer.data.offset !== offset
      ) {
        throw new KojiError(
          'koji_upload_corrupt',
          `Koji upload of ${name}: the hub got a different chunk at offset ${offset}`,
          {
            retryable: true,
          },
        );
      }
      offset += bytesRead;
      if (bytesRead < CHUNK_BYTES) break;
    }
  } finally {
    await handle.close();
  }
  const check = await client.call('checkUpload', [dir, name, 'adler32'], uploadCheck, {
    signal: opts.signal,
    session: true,
  });
  if (!check || check.size !== offset || check.hexdigest !== hex32(whole)) {
    throw new KojiError(
      'koji_upload_corrupt',
      `Koji upload of ${name}: the hub holds a different file (${check?.size ?? 'none'} bytes)`,
      {
        retryable: true,
      },
    );
  }
  return `${dir}/${name}`;
}
