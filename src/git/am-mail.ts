import { isFormatPatchFromLine } from '../mail/format-patch.ts';
import { readHeaders } from '../mail/headers.ts';
import { attachedMayHoldDiff, readMime } from '../mail/mime-content.ts';
import { decodeText, plainPart } from '../mail/plain-body.ts';

/**
 * raw mail → the mail `git am` is given for it. A single text/plain mail goes as it is, so its
 * commit is the one `git am` makes of it. Two kinds `git mailinfo` misreads go as a mail rebuilt
 * from what patchferry read, as b4 hands git am a message it rebuilt (one text/plain part, UTF-8):
 * - multipart with an HTML part (multipart/alternative beside the text): mailinfo reads the diff
 *   in the text and again in the HTML copy, and the patch does not apply; b4 reads the first
 *   text/plain part and patchwork ignores text/html. The rebuilt body is the text parts, then any
 *   text attachment (a .patch file), as mailinfo would join them.
 * - a body whose decoded text has CRLF line ends (base64 or quoted-printable of a CRLF text):
 *   git mailsplit only turns the mail's own CRLF into LF, and git am stops at "quoted CRLF
 *   detected"; the rebuilt body has LF line ends.
 * - a patch sent as an attached file that is itself a mail (git format-patch's file, a forwarded
 *   message): that mail goes, as `git am` of the file makes the commit (its author, date,
 *   subject and message), not the sender's note and the file's headers run together.
 * Any other multipart mail goes as it is: mailinfo reads it right.
 * The rebuilt mail keeps the From, Date and Subject lines byte for byte, so the author and the
 * commit's subject are what git reads from the original.
 */
export async function amReadyMail(raw: Buffer): Promise<Buffer> {
  // git mailsplit turns CRLF line ends into LF before anything else reads the mail.
  const mail = raw.includes('\r\n')
    ? Buffer.from(raw.toString('latin1').replace(/\r\n/g, '\n'), 'latin1')
    : raw;
  const headers = readHeaders(mail);
  const part = plainPart(mail, headers);
  if (!('notPlain' in part)) {
    if (!part.bytes.includes('\r\n')) return raw;
    const { params } = part;
    const text = decodeText(part.bytes, {
      charset: params.charset,
      flowed: (params.format ?? '').toLowerCase() === 'flowed',
      delSp: (params.delsp ?? '').toLowerCase() === 'yes',
    });
    return rebuilt(mail, headers.bodyStart, text);
  }
  const type = headers.fields.get('content-type')?.[0] ?? '';
  if (!/^\s*multipart\//i.test(type)) return raw;
  // Read once: the text/* attachments the HTML case joins are among those kept for a patch mail.
  const content = await readMime(mail, attachedMayHoldDiff);
  const attached = content.attachments.map((a) => patchMail(a.content)).find((m) => m !== null);
  if (attached) return attached;
  if (!hasHtmlPart(mail.subarray(headers.bodyStart))) return raw;
  const texts = [
    content.text,
    ...content.attachments
      .filter((a) => a.contentType.startsWith('text/'))
      .map((a) => a.content.toString('utf8')),
  ];
  return rebuilt(mail, headers.bodyStart, texts.join('\n'));
}

/** An attached file that is a patch mail of its own (a From: and a Subject: header, a diff),
 * without the mbox From_ line git format-patch starts its file with; else null. */
function patchMail(file: Buffer): Buffer | null {
  const eol = file.indexOf(10);
  const bare =
    eol !== -1 && isFormatPatchFromLine(file.toString('latin1', 0, eol)) ? file.subarray(eol + 1) : file;
  const headers = readHeaders(bare);
  if (!headers.fields.has('from') || !headers.fields.has('subject')) return null;
  const body = bare.subarray(headers.bodyStart);
  return body.includes('\n+++ ') || body.includes('diff --git ') ? bare : null;
}

/** A part header naming text/html (in the body: the parts' own headers). */
const HTML_PART = /^content-type:[ \t]*text\/html\b/i;

/** Whether a part header in `body` names text/html. Looked for in the bytes, line by line from
 * each "ontent-" (no base64 line holds a '-'), not in a string of the whole body: a 5 MB image
 * would be copied once more for it. */
function hasHtmlPart(body: Buffer): boolean {
  for (const word of ['ontent-', 'ONTENT-'])
    for (let at = body.indexOf(word); at !== -1; at = body.indexOf(word, at + 1)) {
      const start = body.lastIndexOf(10, at) + 1;
      if (HTML_PART.test(body.toString('latin1', start, Math.min(body.length, start + 200)))) return true;
    }
  return false;
}

/** The fields git am reads of the mail's own header, kept as written (with their folds). */
const KEPT = /^(from|date|subject):/i;

function rebuilt(mail: Buffer, bodyStart: number, text: string): Buffer {
  const header = mail.toString('latin1', 0, bodyStart).split('\n');
  const kept: string[] = [];
  let keeping = false;
  for (const line of header) {
    if (/^[ \t]/.test(line)) {
      if (keeping) kept.push(line);
      continue;
    }
    keeping =
      KEPT.test(line) && !kept.some((k) => k.slice(0, 5).toLowerCase() === line.slice(0, 5).toLowerCase());
    if (keeping) kept.push(line);
  }
  const head = `${kept.join('\n')}\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n`;
  const body = text.replace(/\r\n/g, '\n');
  return Buffer.concat([
    Buffer.from(head, 'latin1'),
    Buffer.from(body.endsWith('\n') ? body : `${body}\n`, 'utf8'),
  ]);
}
