import type { FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** Bytes read from a plain file at a time; small chunks leave less garbage between collections. */
const CHUNK = 1 << 14;
/** Bytes read and inflated at a time from a gzip file. */
const GZIP_CHUNK = 1 << 16;

/**
 * The bytes of an open file, gunzipped when it starts with gzip's magic bytes (RFC 1952: 1f 8b).
 * A plain file is read through one buffer reused for every chunk (each chunk is a view of it: the
 * caller copies what it keeps before it asks for the next); a stream's fresh buffer per chunk left
 * ~20 MB of them waiting for the collector while reading a 60 MB archive. A gzip file is inflated
 * by a stream, whose output is zlib's own buffers either way: zlib then inflates ahead on its
 * thread while the caller parses, ~20% faster than inflating one chunk at a time.
 * Errors: those of reading the file and of zlib (`Z_DATA_ERROR` for a damaged gzip file).
 */
export async function* fileChunks(handle: FileHandle): AsyncGenerator<Buffer> {
  const magic = Buffer.alloc(2);
  // A positional read: the reads below still start at byte 0.
  await handle.read(magic, 0, 2, 0);
  if (magic[0] === 0x1f && magic[1] === 0x8b) yield* gunzipped(handle);
  else yield* reusedChunks(handle);
}

async function* reusedChunks(handle: FileHandle): AsyncGenerator<Buffer> {
  const buffer = Buffer.allocUnsafeSlow(CHUNK);
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
    if (bytesRead === 0) return;
    yield buffer.subarray(0, bytesRead);
  }
}

async function* gunzipped(handle: FileHandle): AsyncGenerator<Buffer> {
  // The handle is closed by its owner, not by the stream.
  const source = handle.createReadStream({ start: 0, highWaterMark: GZIP_CHUNK, autoClose: false });
  const gunzip = createGunzip({ chunkSize: GZIP_CHUNK });
  // An error on either side ends both, and reaches the caller through gunzip.
  pipeline(source, gunzip, () => {});
  try {
    yield* gunzip;
  } finally {
    source.destroy();
    gunzip.destroy();
  }
}
