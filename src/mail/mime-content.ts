import libmime from 'libmime';
import type * as Mailsplit from '@zone-eu/mailsplit';
import type { MimeNode } from '@zone-eu/mailsplit';
import { decodeText, undoTransferEncoding } from './plain-body.ts';

/** What a MIME message holds that patchferry reads: its text and the attached files it wants. */
export interface MimeContent {
  /** The inline text parts (text/plain, message/delivery-status), in order, joined by "\n";
   * an HTML part counts as an empty part where mailparser would convert it. Line ends are "\n". */
  text: string;
  /** Attached files, decoded; only those whose type `wanted` accepted. */
  attachments: { contentType: string; filename: string | null; content: Buffer }[];
}

/** A part as the splitter gave it: what it is to the reader, and the body lines kept of it. */
interface Part {
  node: MimeNode;
  kind: 'container' | 'text' | 'html' | 'attachment';
  contentType: string;
  /** The part opens a forwarded message (it answers a message/rfc822 container): its headers
   * go into the text before it. */
  opensEmbedded: boolean;
  /** Its body is kept: a text part, or an attachment of a wanted type (decided once, as the part
   * opens, not for each chunk of a large file). An HTML part's body is never read. */
  keep: boolean;
  body: Buffer[];
}

type Splitter = typeof Mailsplit.Splitter;
let loading: Promise<Splitter> | undefined;

/** mailsplit's splitter, loaded by the first message that is not a single plain-text part. */
function splitter(): Promise<Splitter> {
  loading ??= import('@zone-eu/mailsplit').then((m) => m.Splitter);
  return loading;
}

/** The types read as inline text when no disposition says otherwise (mailparser's textTypes). */
const TEXT_TYPES = new Set(['text/plain', 'text/html', 'message/delivery-status']);

/**
 * raw message bytes → its text and wanted attachments, by the rules of mailparser's simpleParser
 * (with `skipHtmlToText`), which patchferry used before and whose results its corpora pin down:
 * a leaf part is an attachment when its disposition is not `inline` or its type is not a text
 * type; inline text parts are the text; an application/octet-stream attachment with a file name
 * takes the type its extension names (`0001-fix.patch` → text/x-diff). The MIME tree comes from
 * `@zone-eu/mailsplit`, the splitter mailparser is built on, without mailparser's HTML, link and
 * address formatting code (~17 MB of a process's memory that patchferry never used).
 * Charsets are applied as for single-part mail (plain-body.ts): one rule for all text.
 * @throws what the splitter throws for a message it cannot read (a header block over its limit).
 */
export async function readMime(raw: Buffer, wanted: (contentType: string) => boolean): Promise<MimeContent> {
  const Splitter = await splitter();
  const parts: Part[] = [];
  const reading = new Splitter();
  const done = (async () => {
    for await (const chunk of reading) {
      if (chunk.type === 'node') {
        const part = partOf(chunk as MimeNode, wanted);
        if (part !== null) parts.push(part);
      } else if (chunk.type === 'body') {
        const last = parts.at(-1);
        if (last !== undefined && last.keep && last.node === chunk.node) last.body.push(chunk.value);
      }
    }
  })();
  reading.end(raw);
  await done;
  return contentOf(parts);
}

/** A node the splitter gave → the part it is; null for an embedded message's container, whose
 * message the splitter gives as further nodes. */
function partOf(node: MimeNode, wanted: (contentType: string) => boolean): Part | null {
  if (node.contentType === 'message/rfc822' && node.messageNode) return null;
  const opensEmbedded = node.parentNode !== false && node.parentNode.contentType === 'message/rfc822';
  const contentType = node.contentType || 'text/plain';
  const part = { node, contentType, opensEmbedded, body: [] };
  if (node.multipart) return { ...part, kind: 'container', keep: false };
  const declared = node.disposition;
  const inline = declared ? declared === 'inline' : TEXT_TYPES.has(contentType);
  if (!inline || !TEXT_TYPES.has(contentType)) {
    // A file sent as application/octet-stream is known by its name, as mailparser knows it.
    const named =
      contentType === 'application/octet-stream' && node.filename
        ? libmime.detectMimeType(node.filename) || contentType
        : contentType;
    return { ...part, kind: 'attachment', contentType: named, keep: wanted(named) };
  }
  return contentType === 'text/html'
    ? { ...part, kind: 'html', keep: false }
    : { ...part, kind: 'text', keep: true };
}

function contentOf(parts: Part[]): MimeContent {
  const hasText = parts.some((p) => p.kind === 'text');
  const text: string[] = [];
  const attachments: MimeContent['attachments'] = [];
  for (const part of parts) {
    if (part.opensEmbedded) text.push(embeddedHeaders(part.node));
    if (part.kind === 'html') {
      // HTML is not read: its place in the text is an empty part, where mailparser would have
      // put its conversion (outside an alternative beside text, or as the message's only body).
      if (!inAlternative(part.node) && (hasText || part.node.root)) text.push('');
      continue;
    }
    if (!part.keep) continue;
    const bytes = undoTransferEncoding(Buffer.concat(part.body), part.node.encoding || '7bit');
    if (part.kind === 'attachment') {
      attachments.push({
        contentType: part.contentType,
        filename: part.node.filename || null,
        content: bytes,
      });
    } else {
      const decoded = decodeText(bytes, {
        charset: part.node.charset || undefined,
        flowed: part.node.flowed,
        delSp: part.node.delSp,
      });
      text.push(decoded.replace(/\r?\n/g, '\n'));
    }
  }
  return { text: text.join('\n'), attachments };
}
function inAlternative(node: MimeNode): boolean {
  for (let up = node.parentNode; up !== false; up = up.parentNode)
    if (up.contentType === 'multipart/alternative') return true;
  return false;
}

/** The headers an embedded (forwarded) message shows in the text, as mail clients show them. */
function embeddedHeaders(node: MimeNode): string {
  const lines: string[] = [];
  for (const key of ['From', 'Subject', 'Date', 'To', 'Cc', 'Bcc']) {
    const values = node.headers === false ? [] : node.headers.get(key);
    const value = values.at(-1);
    if (value === undefined) continue;
    const unfolded = value
      .replace(/^[^:]*:\s*/, '')
      .replace(/\r?\n[ \t]+/g, ' ')
      .trim();
    lines.push(`${key}: ${decodeWords(unfolded)}`);
  }
  return `\n${lines.join('\n')}\n`;
}

function decodeWords(value: string): string {
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}

/** The attached files a diff is looked for in: text, octet-stream (a .patch file as many mailers
 * attach it) and a forwarded message (message/rfc822, as "forward as attachment" sends it). */
export function attachedMayHoldDiff(type: string): boolean {
  return /^text\/|^application\/octet-stream$|^message\/rfc822$/.test(type);
}
