import { isFormatPatchFromLine } from './format-patch.ts';
import { decodeEncodedWords } from './encoded-words.ts';
import { asciiTrim, splitFrom } from './git-ident.ts';

/** What `git mailinfo` takes from a patch mail: the author, the subject and the commit message,
 * following git's rules (in-body From:/Subject:/Date: headers, subject clean-up, scissors), so that
 * titles and descriptions patchferry shows match the commits `git am` will make. Pure. */

export interface MailInfo {
  readonly author: string;
  readonly email: string;
  readonly subject: string;
  readonly date: string;
  /** The commit message: the body above the patch, without in-body headers. */
  readonly message: string;
}

export interface MailInfoInput {
  /** The decoded From, Subject and Date header values. */
  readonly from: string;
  readonly subject: string;
  readonly date: string;
  /** The decoded plain-text body. */
  readonly text: string;
}

export interface MailInfoOptions {
  /** Take From:, Subject:, Date: at the top of the body (git's default: yes). */
  readonly inbodyHeaders?: boolean;
  /** Drop everything above a "-- >8 --" line (git am --scissors). */
  readonly scissors?: boolean;
  /** End the message with a "Message-ID: <id>" line (git am --message-id), to trace a commit
   * back to its mail. */
  readonly messageId?: string;
  /** What to do with a CR before a line's LF in the decoded body, which only an encoding (base64,
   * quoted-printable) can carry through mail: keep it, as git does by default, or strip it (git am
   * --quoted-cr=strip). parseMail's text has none left: patchferry never shows them. */
  readonly quotedCr?: 'keep' | 'strip';
}

const INBODY = /^(From|Subject|Date):[ \t]*(.*)$/i;
/** git's patchbreak(): a diff header, a CVS "Index: " line, "--- <name>", or "---" alone. */
export const PATCH_START = /^(?:---(?: (?!\s)|\s*$)|diff -|Index: )/;

export function mailInfo(input: MailInfoInput, opts: MailInfoOptions = {}): MailInfo {
  const inbody = opts.inbodyHeaders ?? true;
  const text = opts.quotedCr === 'strip' ? input.text.replace(/\r\n/g, '\n') : input.text;
  let lines = text.split('\n');
  const end = lines.findIndex((l) => PATCH_START.test(l));
  if (end !== -1) lines = lines.slice(0, end);
  else if (lines.at(-1) === '') lines = lines.slice(0, -1);
  if (opts.scissors) {
    const cut = lines.findIndex(isScissors);
    if (cut !== -1) lines = lines.slice(cut + 1);
  }

  // In-body headers leave the message in any case, but git only believes them in a mail that
  // carries a patch: in a reply they are most likely quoted from the patch being answered.
  const fields = { from: input.from, subject: input.subject, date: input.date };
  const inBody: Partial<typeof fields> = {};
  let start = 0;
  while (start < lines.length && (lines[start] ?? '').trim() === '') start++;
  if (inbody) {
    const first = lines[start] ?? '';
    if (/^\[PATCH\]\s/.test(first)) {
      // git: a first body line "[PATCH] title" is the subject of the patch being forwarded.
      inBody.subject = first;
      start++;
      while (start < lines.length && (lines[start] ?? '').trim() === '') start++;
    } else {
      let taken = false;
      while (start < lines.length) {
        const line = lines[start] ?? '';
        // A format-patch mail pasted into the body starts with its From_ line, quoted or not.
        if (isFormatPatchFromLine(line.replace(/^>/, ''))) {
          start++;
          taken = true;
          continue;
        }
        const m = INBODY.exec(line);
        if (!m) break;
        let value = m[2] ?? '';
        start++;
        while (start < lines.length && /^[ \t]/.test(lines[start] ?? ''))
          value += ` ${(lines[start++] ?? '').trim()}`;
        // git decodes an in-body header as it decodes the mail's own (decode_header).
        inBody[(m[1] ?? '').toLowerCase() as 'from' | 'subject' | 'date'] = asciiTrim(
          decodeEncodedWords(value),
        );
        taken = true;
      }
      if (taken) while (start < lines.length && (lines[start] ?? '').trim() === '') start++;
    }
  }
  if (end !== -1) Object.assign(fields, inBody);
  // git keeps the message as written, blank lines before the "---" included.
  const body = lines.slice(start).join('\n');
  const message = opts.messageId ? `${body}${body ? '\n' : ''}Message-ID: <${opts.messageId}>` : body;
  const { name, email } = splitFrom(fields.from);
  return {
    author: name,
    email,
    subject: gitSubject(fields.subject),
    date: fields.date,
    message: message ? `${message}\n` : '',
  };
}

/** git's subject clean-up (mailinfo.c cleanup_subject, then cleanup_space): from the start, drop
 * white space, colons, "Re:" and bracketed tags, one at a time, until something else comes; then
 * fold runs of white space. Only ASCII white space is white space. (subject.ts's cleanSubject keeps
 * non-PATCH tags, as patchwork names patches; this is what a commit title gets.) */
function gitSubject(subject: string): string {
  // git walks from the start and removes what it recognises there, so the start is all it looks at.
  let s = subject;
  for (;;) {
    const c = s[0];
    if (c === ' ' || c === '\t' || c === ':' || c === '\n' || c === '\r') {
      // git removes space, tab and colon here; CR and LF cannot be left in an unfolded header.
      s = s.slice(1);
      continue;
    }
    if ((c === 'r' || c === 'R') && s.length > 3 && /[eE]/.test(s[1] ?? '') && s[2] === ':') {
      s = s.slice(3);
      continue;
    }
    if (c === '[') {
      const close = s.indexOf(']');
      if (close === -1) break;
      s = s.slice(close + 1);
      continue;
    }
    break;
  }
  return asciiTrim(s).replace(/[ \t\r\n]+/g, ' ');
}

/** git's test for a scissors line ("-- >8 --", "- - >8 - - cut here - - >8 - -"): a scissors
 * mark in a perforation of dashes and marks that is at least 8 characters wide, covers more than a
 * third of the line's visible width, and is more marks than gaps; words may stand beside it. */
function isScissors(line: string): boolean {
  let scissors = 0;
  let gap = 0;
  let perforation = 0;
  let inPerforation = false;
  let first = -1;
  let last = -1;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] ?? '';
    if (/\s/.test(c)) {
      if (inPerforation) {
        perforation++;
        gap++;
      }
      continue;
    }
    last = i;
    if (first < 0) first = i;
    if (c === '-') {
      inPerforation = true;
      perforation++;
      continue;
    }
    const pair = line.slice(i, i + 2);
    if (pair === '>8' || pair === '8<' || pair === '>%' || pair === '%<') {
      inPerforation = true;
      perforation += 2;
      scissors += 2;
      last = ++i;
      continue;
    }
    inPerforation = false;
  }
  const visible = first < 0 ? 0 : last - first + 1;
  return scissors > 0 && visible >= 8 && visible < perforation * 3 && gap * 2 < perforation;
}

/** The address of a patch's in-body From: line (git's author when the sender is not), or null
 * when the mail carries none or no patch. */
export function inBodyAuthor(text: string): string | null {
  // Only a From: (or a pasted format-patch mail) at the top of the body can name one.
  if (!/^\s*(?:>?From[: ]|\[PATCH\])/i.test(text)) return null;
  const { email } = mailInfo({ from: '', subject: '', date: '', text });
  return email === '' ? null : email;
}
