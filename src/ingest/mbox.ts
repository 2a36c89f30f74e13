import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createGunzip } from 'node:zlib';
import { PatchferryError, errorMessage } from '../shared/errors.ts';
import { byteLines } from './lines.ts';
import type { MailSource, RawMessage } from './source.ts';

// A From_ line is "From <sender> <ctime date>": requiring the year at its end keeps an unquoted
// body line such as "From the start..." (mboxo) from splitting a message.
const FROM_LINE = /^From \S+ .*\b\d{4}\s*$/;
const QUOTED_FROM = /^>+From /;

/** An mbox file (mboxrd or mboxo, optionally gzipped), read as a stream. The position is the
 * number of messages read, so a file that only grows at the end resumes where it stopped. */
export function mboxSource(path: string): MailSource {
  const file = resolve(path);
  return {
    name: `mbox:${file}`,
    read: (after) => readMbox(file, after === null ? 0 : Number(after)),
  };
}

async function* readMbox(file: string, skip: number): AsyncGenerator<RawMessage> {
  const stream = await openStream(file);
  let index = 0;
  let lines: Buffer[] | null = null;
  let previousBlank = true;
  const emit = (): RawMessage | null => {
    index++;
    if (lines === null || index <= skip) return null;
    return { raw: trimSeparator(Buffer.concat(lines)), position: String(index) };
  };
  try {
    for await (const line of byteLines(stream)) {
      const text = line.toString('latin1');
      if (FROM_LINE.test(text) && previousBlank) {
        if (lines !== null) {
          const message = emit();
          if (message) yield message;
        }
        lines = [];
      } else if (lines !== null) {
        // mboxrd: one level of '>' quoting was added to every line that looked like a From_ line.
        lines.push(QUOTED_FROM.test(text) ? line.subarray(1) : line);
      } else if (text.trim() !== '') {
        // No From_ line at the top: a single RFC 5322 message file.
        lines = [line];
      }
      previousBlank = text === '\n' || text === '\r\n';
    }
    if (lines !== null) {
      const message = emit();
      if (message) yield message;
    }
  } catch (err) {
    throw new PatchferryError('mbox_unreadable', `cannot read mailbox ${file}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

/** The blank line that separates messages in an mbox belongs to the format, not to the message. */
function trimSeparator(raw: Buffer): Buffer {
  if (raw.subarray(-2).toString() === '\n\n') return raw.subarray(0, -1);
  if (raw.subarray(-4).toString() === '\r\n\r\n') return raw.subarray(0, -2);
  return raw;
}

async function openStream(file: string): Promise<AsyncIterable<Buffer>> {
  let magic: Buffer;
  try {
    const handle = await open(file, 'r');
    magic = Buffer.alloc(2);
    await handle.read(magic, 0, 2, 0);
    await handle.close();
  } catch (err) {
    throw new PatchferryError('mbox_unreadable', `cannot open mailbox ${file}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  const raw = createReadStream(file);
  return magic[0] === 0x1f && magic[1] === 0x8b ? raw.pipe(createGunzip()) : raw;
}
