import { open, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isFormatPatchFromLine } from '../mail/format-patch.ts';
import { fileChunks } from './file-chunks.ts';
import { DamagedAfterWholeMembers } from './gzip-members.ts';
import { PatchferryError, errorMessage } from '../shared/errors.ts';
import type { MailSource, RawMessage } from '../ports/mail-source.ts';
import { fileSource } from './file-source.ts';
import type { Warnings } from '../shared/log.ts';

// A file's first line may be a bare "From <sender>", as some tools write it.
const FIRST_FROM_LINE = /^From \S+(?:\s*$| .*\b\d{4}\s*$)/;
// Such a bare line separates further on only in a file that starts with one, after a blank line
// and before a header field, which a body line such as "From doc/usage.txt:" (then a blank line)
// is not; in an mbox whose separators are real From_ lines, only those separate, as in git mailsplit.
const BARE_FROM_LINE = /^From \S+\s*$/;
const HEADER_FIELD = /^[!-9;-~]+:/;

/** git mailsplit's is_from_line: "From " and, at the end, a time and a year ("… 00:00:00 2026"): the
 * last colon has digits two and four before it and two after, then a year past 90. A commit
 * message line such as "From doc/usage.txt:" never cuts a mail in two. */
export function isFromLine(line: string): boolean {
  if (line.length < 19 || !line.startsWith('From ')) return false;
  const colon = line.lastIndexOf(':', line.length - 2);
  if (colon < 9) return false;
  const digit = (i: number) => /[0-9]/.test(line[i] ?? '');
  if (!digit(colon - 4) || !digit(colon - 2) || !digit(colon - 1) || !digit(colon + 1) || !digit(colon + 2))
    return false;
  return Number.parseInt(line.slice(colon + 3).trimStart(), 10) > 90;
}

/** An mbox file (mboxrd or mboxo, optionally gzipped), read as a stream: only the message being
 * cut out is held. The position is the number of messages read, so a file that only grows at the
 * end resumes where it stopped. Bytes after a gzipped file's last member that are no gzip data
 * are skipped with a warning on `log` (`file`, `offset` and `bytes` of them), as gzip(1) does:
 * every mail before them is read. */
export function mboxSource(path: string, log?: Warnings): MailSource {
  const file = resolve(path);
  return fileSource(`mbox:${file}`, (after, options) =>
    readMbox(file, after === null ? 0 : Number(after), options?.lent === true, log),
  );
}

/** `lent`: each message may be a view of the reading buffer, valid until the next is asked for. */
async function* readMbox(
  file: string,
  skip: number,
  lent: boolean,
  log: Warnings | undefined,
): AsyncGenerator<RawMessage> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw new PatchferryError('mbox_unreadable', `cannot open mailbox ${file}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  let index = 0;
  try {
    const chunks = fileChunks(handle, ({ offset, bytes }) =>
      log?.warn({ file, offset, bytes }, 'trailing garbage after the gzip data ignored'),
    );
    for await (const { raw, fromLine } of splitMbox(chunks)) {
      index++;
      if (index > skip)
        yield {
          raw: quoted(fromLine) ? unquote(raw, lent) : lent ? raw : Buffer.from(raw),
          position: String(index),
        };
    }
  } catch (err) {
    throw new PatchferryError('mbox_unreadable', `cannot read mailbox ${file}: ${errorMessage(err)}`, {
      cause: err,
    });
  } finally {
    await handle.close();
  }
}

/** Cuts the byte stream at From_ lines (isFromLine), keeping the blank line above one with the
 * message above it as `git mailsplit` does. A file that does not start with a From_ line is one
 * message (its `fromLine` is null). Each `raw` is a view into a buffer reused for the next chunk:
 * the caller copies it before asking for the next message. */
async function* splitMbox(
  stream: AsyncIterable<Buffer>,
): AsyncGenerator<{ raw: Buffer; fromLine: string | null }> {
  const window = new ByteWindow();
  let buf: Buffer = window.bytes;
  let start = -1; // where the current message begins; -1 until the first From_ line is past
  let scan = 0; // where to look for the next separator
  let first = true;
  let fromLine: string | null = null;
  let bareFile = false; // the file's first separator is a bare "From <sender>" line
  const chunks = stream[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Buffer>;
    try {
      next = await chunks.next();
    } catch (err) {
      // A gzip member that failed before giving a byte: the bytes read end where whole members
      // end, so the mail pending is whole (zcat gives it too); it is handed on before the error.
      if (err instanceof DamagedAfterWholeMembers && !first && buf.length > start)
        yield { raw: buf.subarray(start), fromLine };
      throw err;
    }
    if (next.done) break;
    buf = window.append(next.value);
    if (first) {
      // Blank lines before the first message are not part of it.
      let top = 0;
      let nl = buf.indexOf(10);
      while (nl !== -1 && buf.subarray(top, nl).toString('latin1').trim() === '') {
        top = nl + 1;
        nl = buf.indexOf(10, top);
      }
      if (nl === -1) continue;
      first = false;
      const line = buf.subarray(top, nl).toString('latin1').trimEnd();
      fromLine = FIRST_FROM_LINE.test(line) || isFromLine(line) ? line : null;
      bareFile = fromLine !== null && !isFromLine(line);
      start = fromLine === null ? top : nl + 1;
      scan = start;
    }
    for (;;) {
      const hit = buf.indexOf('\nFrom ', Math.max(scan - 1, start));
      if (hit === -1) {
        scan = Math.max(start, buf.length - 6);
        break;
      }
      const lineEnd = buf.indexOf(10, hit + 1);
      if (lineEnd === -1) {
        scan = hit;
        break; // the From_ line is not whole yet
      }
      const line = buf
        .subarray(hit + 1, lineEnd)
        .toString('latin1')
        .trimEnd();
      let separates = isFromLine(line);
      if (!separates && bareFile && BARE_FROM_LINE.test(line) && hit > start && blankAbove(buf, hit)) {
        const nextEnd = buf.indexOf(10, lineEnd + 1);
        if (nextEnd === -1) {
          scan = hit;
          break; // the line below is not whole yet
        }
        separates = HEADER_FIELD.test(buf.subarray(lineEnd + 1, nextEnd).toString('latin1'));
      }
      if (hit >= start && separates) {
        yield { raw: buf.subarray(start, hit + 1), fromLine };
        fromLine = line;
        start = lineEnd + 1;
      }
      scan = lineEnd;
    }
    // Drop what was handed out, so memory holds one message at a time.
    if (start > 0) {
      buf = window.drop(start);
      scan -= start;
      start = 0;
    }
  }
  if (!first && start >= 0 && buf.length > start) yield { raw: buf.subarray(start), fromLine };
  else if (first && buf.length > 0) yield { raw: buf, fromLine: null }; // a single line without a newline
}

/** The bytes not yet cut into messages, in one buffer that grows to the largest message and is
 * reused: appending a chunk copies only the chunk, where concatenating would copy a long message
 * again with every chunk of it, and a fresh buffer per chunk would leave garbage to collect. */
class ByteWindow {
  #store = Buffer.allocUnsafe(1 << 17);
  #used = 0;

  get bytes(): Buffer {
    return this.#store.subarray(0, this.#used);
  }

  /** The bytes held with `chunk` after them. */
  append(chunk: Buffer): Buffer {
    if (this.#used + chunk.length > this.#store.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.#store.length * 2, this.#used + chunk.length));
      this.#store.copy(grown, 0, 0, this.#used);
      this.#store = grown;
    }
    chunk.copy(this.#store, this.#used);
    this.#used += chunk.length;
    return this.bytes;
  }

  /** The bytes held without their first `count`. */
  drop(count: number): Buffer {
    this.#store.copyWithin(0, count, this.#used);
    this.#used -= count;
    return this.bytes;
  }
}

/** Whether the line ending at `nl` (a newline) is blank. */
function blankAbove(buf: Buffer, nl: number): boolean {
  return buf[nl - 1] === 10 || (buf[nl - 1] === 13 && buf[nl - 2] === 10);
}

/**
 * Whether a message's body lines were quoted mboxrd-style (">From " for "From "), as list archives
 * (public-inbox, lore) write them. Not a file without From_ lines, and not git format-patch's own
 * output, marked by its fixed date: `git am` reads that without unquoting, and so does patchferry.
 */
function quoted(fromLine: string | null): boolean {
  return fromLine !== null && !isFormatPatchFromLine(fromLine);
}

/** mboxrd: one level of '>' quoting was added to every line that looked like a From_ line. The
 * bytes are decoded only when such a line is there: most replies quote with '>' but not "From ". */
function unquote(raw: Buffer, lent: boolean): Buffer {
  if (!hasQuotedFromLine(raw)) return lent ? raw : Buffer.from(raw);
  return Buffer.from(raw.toString('latin1').replace(/\n>(>*From )/g, '\n$1'), 'latin1');
}

function hasQuotedFromLine(raw: Buffer): boolean {
  for (let at = raw.indexOf('\n>'); at !== -1; at = raw.indexOf('\n>', at + 2)) {
    let i = at + 2;
    while (raw[i] === 0x3e) i++; // '>'
    if (raw.toString('latin1', i, i + 5) === 'From ') return true;
  }
  return false;
}
