import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { sourceForPath } from '../../src/ingest/open-path.ts';
import { readHeaders } from '../../src/mail/headers.ts';
import { readMime } from '../../src/mail/mime-content.ts';
import { plainBody } from '../../src/mail/plain-body.ts';
import { corporaAvailable, corporaDir } from '../helpers/corpora.ts';
import { rawMail } from '../helpers/mail.ts';

const available = corporaAvailable();
const textOrFile = (type: string) => /^text\/|^application\/octet-stream$/.test(type);

function multipart(type: string, parts: string[]): Buffer {
  return rawMail(
    { 'Content-Type': `${type}; boundary="b0"`, 'MIME-Version': '1.0' },
    `${parts.map((p) => `--b0\n${p}\n`).join('')}--b0--\n`,
  );
}

describe('reading a MIME message', () => {
  it('takes the text part of an alternative and leaves its HTML twin out', async () => {
    const raw = multipart('multipart/alternative', [
      'Content-Type: text/plain; charset=utf-8\n\nplain words\n',
      'Content-Type: text/html\n\n<p>html words</p>\n',
    ]);
    expect((await readMime(raw, textOrFile)).text).toBe('plain words\n');
  });

  it('decodes each part by its own transfer encoding and charset, and undoes format=flowed', async () => {
    const raw = multipart('multipart/mixed', [
      'Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\ncaf=E9 =\nnoir\n',
      `Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n${Buffer.from('Łódź\n').toString('base64')}\n`,
      'Content-Type: text/plain; format=flowed\n\na soft \nwrapped line\n',
    ]);
    expect((await readMime(raw, textOrFile)).text).toBe('café noir\n\nŁódź\n\na soft wrapped line');
  });

  it('reads an undeclared 8-bit part as the bytes are, by the rule of single-part mail', async () => {
    const part = Buffer.concat([
      Buffer.from('Content-Type: text/plain\n\ncaf'),
      Buffer.from([0xe9]),
      Buffer.from('\n'),
    ]);
    const raw = Buffer.concat([
      Buffer.from('Content-Type: multipart/mixed; boundary=b0\n\n--b0\n'),
      part,
      Buffer.from('--b0--\n'),
    ]);
    const single = Buffer.concat([Buffer.from('Subject: x\n'), part]);
    expect((await readMime(raw, textOrFile)).text).toBe('café');
    expect(plainBody(single, readHeaders(single))).toBe('café\n');
  });

  it('gives a file sent as application/octet-stream the type its name names, and keeps only wanted files', async () => {
    const diff = 'diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n';
    const file = (name: string, body: string) =>
      `Content-Type: application/octet-stream; name="${name}"\nContent-Disposition: attachment; filename="${name}"\nContent-Transfer-Encoding: base64\n\n${Buffer.from(body).toString('base64')}\n`;
    const raw = multipart('multipart/mixed', [
      'Content-Type: text/plain\n\nthe fix is attached\n',
      file('0001-fix.patch', diff),
      file('notes.txt', 'a note\n'),
      file('config.gz', 'not text'),
      'Content-Type: image/png\nContent-Disposition: attachment; filename="shot.png"\n\nnot wanted\n',
    ]);
    const content = await readMime(raw, textOrFile);
    expect(content.text).toBe('the fix is attached\n');
    expect(content.attachments).toEqual([
      { contentType: 'application/octet-stream', filename: '0001-fix.patch', content: Buffer.from(diff) },
      { contentType: 'text/plain', filename: 'notes.txt', content: Buffer.from('a note\n') },
    ]);
  });

  it('shows the headers of a forwarded message before its text', async () => {
    const raw = multipart('multipart/mixed', [
      'Content-Type: text/plain\n\nforwarding this\n',
      'Content-Type: message/rfc822\nContent-Disposition: inline\n\nFrom: Ann <ann@example.org>\nSubject: =?utf-8?q?caf=C3=A9?=\n\ninner text\n',
    ]);
    expect((await readMime(raw, textOrFile)).text).toBe(
      'forwarding this\n\n\nFrom: Ann <ann@example.org>\nSubject: café\n\ninner text\n',
    );
  });

  it('gives no text for a message that is only HTML', async () => {
    const raw = rawMail({ 'Content-Type': 'text/html' }, '<p>only html</p>\n');
    expect(await readMime(raw, textOrFile)).toEqual({ text: '', attachments: [] });
  });

  it.skipIf(!available)(
    'reads every multipart mail of the corpora as mailparser does (text and wanted attachments)',
    async () => {
      let compared = 0;
      let undeclared8bit = 0;
      for (const file of mailboxes(corporaDir())) {
        for await (const { raw } of sourceForPath(file).read(null)) {
          const headers = readHeaders(raw);
          if (headers.fields.size === 0 || plainBody(raw, headers) !== null) continue;
          const theirs = await simpleParser(raw, {
            skipHtmlToText: true,
            skipTextToHtml: true,
            skipImageLinks: true,
          });
          const ours = await readMime(raw, textOrFile);
          const theirText = (theirs.text ?? '').replace(/\r\n/g, '\n');
          // mailparser reads an undeclared 8-bit part as UTF-8 and loses its bytes to U+FFFD;
          // patchferry reads such bytes as single-part mail reads them (Windows-1252).
          if (ours.text !== theirText && theirText.includes('\uFFFD')) {
            undeclared8bit++;
            continue;
          }
          expect(ours.text, file).toBe(theirText);
          expect(
            ours.attachments.map((a) => [a.contentType, a.content.toString('base64')]),
            file,
          ).toEqual(
            theirs.attachments
              .filter((a) => textOrFile(a.contentType))
              .map((a) => [a.contentType, a.content.toString('base64')]),
          );
          compared++;
        }
      }
      expect(compared).toBeGreaterThan(140);
      expect(undeclared8bit).toBeLessThan(3);
    },
    60_000,
  );
});

/** Every mailbox file under dir (mbox, gzipped mbox), peers' expected-outcome files left out. */
function mailboxes(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => /\.(mbox|gz)$/.test(path) && !path.endsWith('.json.gz') && statSync(path).isFile());
}
