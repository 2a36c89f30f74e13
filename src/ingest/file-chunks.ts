import type { FileHandle } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';

/** Bytes read from a file at a time; small chunks leave less garbage between two collections. */
const CHUNK = 1 << 14;

/**
 * The bytes of an open file, gunzipped when it starts with gzip's magic bytes (RFC 1952: 1f 8b),
 * as chunks that are views of buffers reused for the next chunk: the caller copies what it keeps
 * before it asks for the next. A stream (`createReadStream`) hands out a fresh buffer per chunk,
 * and reading a 60 MB archive that way leaves ~20 MB of them waiting for the collector at any time.
 * Errors: those of reading the file and of zlib (`Z_DATA_ERROR` for a damaged gzip file).
 */
export async function* fileChunks(handle: FileHandle): AsyncGenerator<Buffer> {
  const magic = Buffer.alloc(2);
  // A positional read: the sequential reads below still start at byte 0.
  await handle.read(magic, 0, 2, 0);
  const chunks = rawChunks(handle);
  yield* magic[0] === 0x1f && magic[1] === 0x8b ? gunzipped(chunks) : chunks;
}

async function* rawChunks(handle: FileHandle): AsyncGenerator<Buffer> {
  const buffer = Buffer.allocUnsafeSlow(CHUNK);
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
    if (bytesRead === 0) return;
    yield buffer.subarray(0, bytesRead);
  }
}

/** `chunks` inflated. Each input chunk is handed to zlib and waited for (the write's callback)
 * before the next is read, since its buffer is reused; zlib's output chunks are its own. */
async function* gunzipped(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const gunzip = createGunzip({ chunkSize: CHUNK });
  const feeding = (async () => {
    try {
      for await (const chunk of chunks)
        await new Promise<void>((done, fail) => gunzip.write(chunk, (err) => (err ? fail(err) : done())));
      gunzip.end();
    } catch (err) {
      gunzip.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  })();
  yield* gunzip;
  await feeding;
}
