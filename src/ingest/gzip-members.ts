import type { FileHandle } from 'node:fs/promises';
import { pipeline, Readable } from 'node:stream';
import { crc32, createInflateRaw } from 'node:zlib';
import { errorMessage } from '../shared/errors.ts';

/** Compressed bytes read, and bytes inflated, at a time. */
const CHUNK = 1 << 16;

/** Bytes after the last gzip member that are neither another member nor zero padding. */
export interface TrailingGarbage {
  /** Where they start in the file, in bytes from its start. */
  readonly offset: number;
  /** How many there are, to the end of the file. */
  readonly bytes: number;
}

/** A member after the first that failed before it gave any byte (a damaged header, deflate data
 * cut off or broken at its start): everything yielded came from whole members, checked by their
 * CRC, so what was read ends where they end (a mail pending there is whole, as zcat gives it). */
export class DamagedAfterWholeMembers extends Error {}

/**
 * The inflated bytes of a gzip file, member after member (RFC 1952 §2.2: a file may hold several).
 * What follows the last member is handled as gzip(1) does: zero bytes (padding) are ignored, and
 * other bytes are trailing garbage, handed to `onTrailingGarbage` and not read; everything inflated
 * before them has been yielded. Node's own gunzip stream cannot do that: it takes such bytes for a
 * next member, fails on them with "incorrect header check" and drops the output it had not handed
 * on yet. So each member's deflate data is inflated raw, its end found by how many bytes zlib took,
 * and its header and trailer (CRC-32, length) are read and checked here.
 * Each chunk is zlib's own buffer; the caller may keep it. Errors: a damaged or cut-off member (zlib's
 * `Z_DATA_ERROR`, "unexpected end of file", a CRC or length that does not match), I/O errors;
 * DamagedAfterWholeMembers when a member after the first fails before it gave any byte.
 */
export async function* gzipMembers(
  handle: FileHandle,
  onTrailingGarbage: (garbage: TrailingGarbage) => void,
): AsyncGenerator<Buffer> {
  let offset = 0;
  for (;;) {
    let trailer: number;
    let given = 0;
    try {
      const data = offset + (await headerLength(handle, offset));
      const source = Readable.from(readFrom(handle, data), { objectMode: false });
      const inflate = createInflateRaw({ chunkSize: CHUNK });
      // An error on either side ends both and reaches the loop below through `inflate`. The source
      // reads on past the member's end, which ends `inflate` early: that premature close is expected.
      pipeline(source, inflate, () => {});
      let crc = 0;
      try {
        for await (const chunk of inflate as AsyncIterable<Buffer>) {
          crc = crc32(chunk, crc);
          given += chunk.length;
          yield chunk;
        }
      } finally {
        source.destroy();
        inflate.destroy();
      }
      trailer = data + inflate.bytesWritten;
      await checkTrailer(handle, trailer, crc, given);
    } catch (err) {
      throw offset > 0 && given === 0 ? new DamagedAfterWholeMembers(errorMessage(err), { cause: err }) : err;
    }
    offset = trailer + 8;
    const next = await readAt(handle, offset, 2);
    if (next.length === 0) return;
    if (next[0] === 0x1f && next[1] === 0x8b) continue;
    const garbage = await nonZeroRest(handle, offset);
    if (garbage > 0) onTrailingGarbage({ offset, bytes: garbage });
    return;
  }
}

/** The length of the member header at `offset` (RFC 1952 §2.3: ID1 ID2 CM FLG MTIME XFL OS, then
 * FEXTRA, FNAME, FCOMMENT, FHCRC as FLG says). */
async function headerLength(handle: FileHandle, offset: number): Promise<number> {
  for (let size = 1024; ; size *= 4) {
    const bytes = await readAt(handle, offset, size);
    const length = parseHeader(bytes, offset);
    if (length !== null) return length;
    if (bytes.length < size) throw new Error(`unexpected end of file in the gzip header at byte ${offset}`);
  }
}

const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;

/** The header's length, or null when it goes on past `bytes`. */
function parseHeader(bytes: Buffer, offset: number): number | null {
  if (bytes.length >= 2 && (bytes[0] !== 0x1f || bytes[1] !== 0x8b))
    throw new Error(`not in gzip format at byte ${offset}`);
  if (bytes.length < 10) return null;
  if (bytes[2] !== 8) throw new Error(`unknown gzip compression method ${bytes[2]} at byte ${offset}`);
  const flags = bytes[3] ?? 0;
  let at = 10;
  if (flags & FEXTRA) {
    if (bytes.length < at + 2) return null;
    at += 2 + bytes.readUInt16LE(at);
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (!(flags & flag)) continue;
    const end = bytes.indexOf(0, at);
    if (end === -1) return null;
    at = end + 1;
  }
  if (flags & FHCRC) at += 2;
  return at <= bytes.length ? at : null;
}

/** RFC 1952 §2.3.1: CRC-32 and ISIZE (the length modulo 2^32), little-endian, after the data. */
async function checkTrailer(handle: FileHandle, offset: number, crc: number, length: number): Promise<void> {
  const trailer = await readAt(handle, offset, 8);
  if (trailer.length < 8) throw new Error(`unexpected end of file in the gzip trailer at byte ${offset}`);
  if (trailer.readUInt32LE(0) !== crc >>> 0 || trailer.readUInt32LE(4) !== length % 2 ** 32)
    throw new Error(`gzip member ending at byte ${offset + 8} is damaged (its CRC or length does not match)`);
}

/** How many bytes there are from `offset` to the end of the file, or 0 when they are all zero. */
async function nonZeroRest(handle: FileHandle, offset: number): Promise<number> {
  const buffer = Buffer.allocUnsafe(CHUNK);
  let total = 0;
  let garbage = false;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, CHUNK, offset + total);
    if (bytesRead === 0) return garbage ? total : 0;
    if (!garbage) garbage = buffer.subarray(0, bytesRead).some((byte) => byte !== 0);
    total += bytesRead;
  }
}

/** The file's bytes from `offset` on, a fresh buffer per chunk (zlib reads it after it is handed
 * on). Not `handle.createReadStream`: destroying that closes the handle, autoClose or not, and
 * the handle is read on after each member and closed by its owner. */
async function* readFrom(handle: FileHandle, offset: number): AsyncGenerator<Buffer> {
  for (let position = offset; ;) {
    const buffer = Buffer.allocUnsafe(CHUNK);
    const { bytesRead } = await handle.read(buffer, 0, CHUNK, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

async function readAt(handle: FileHandle, offset: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, offset);
  return buffer.subarray(0, bytesRead);
}
