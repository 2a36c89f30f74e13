import { describe, expect, it } from 'vitest';
import { amReadyMail } from '../../src/git/am-mail.ts';
import { parseMail } from '../../src/mail/parse.ts';

const PATCH = [
  'From 1ec8e0c1e0c1e0c1e0c1e0c1e0c1e0c1e0c1e0c1 Mon Sep 17 00:00:00 2001',
  'From: Ada Developer <ada@example.org>',
  'Date: Mon, 30 Nov 2026 08:26:21 +0000',
  'Subject: [PATCH] add c.txt',
  '',
  'Body of c.',
  '',
  'Signed-off-by: Ada Developer <ada@example.org>',
  '---',
  'diff --git a/c.txt b/c.txt',
  'new file mode 100644',
  'index 0000000..f2ad6c7',
  '--- /dev/null',
  '+++ b/c.txt',
  '@@ -0,0 +1 @@',
  '+c',
  '',
].join('\n');

/** A note from `Bob` with one attached part (its headers given), as mailers send a patch file. */
function withAttachment(partHeaders: string, content: string): Buffer {
  return Buffer.from(
    [
      'From: Bob Sender <bob@example.org>',
      'Date: Mon, 30 Nov 2026 09:00:00 +0000',
      'Subject: [PATCH hello] add c.txt',
      'Message-ID: <c@example.org>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b0"',
      '',
      '--b0',
      'Content-Type: text/plain',
      '',
      'Here is the patch, attached.',
      '--b0',
      partHeaders,
      '',
      content,
      '--b0--',
      '',
    ].join('\n'),
  );
}

describe('the mail git am is given', () => {
  it('is the attached patch file itself, without its From_ line, when a patch is sent as a file', async () => {
    const b64 = Buffer.from(PATCH).toString('base64').replace(/.{76}/g, '$&\n');
    const sent = withAttachment(
      'Content-Type: application/octet-stream; name="0001-add-c.txt.patch"\nContent-Disposition: attachment; filename="0001-add-c.txt.patch"\nContent-Transfer-Encoding: base64',
      b64,
    );
    expect((await amReadyMail(sent)).toString()).toBe(PATCH.slice(PATCH.indexOf('\n') + 1));
  });

  it('is the forwarded message when a patch is forwarded as an attachment, which is a patch, not dropped', async () => {
    const inner = PATCH.slice(PATCH.indexOf('\n') + 1);
    const sent = withAttachment(
      'Content-Type: message/rfc822\nContent-Disposition: attachment; filename="patch.eml"',
      inner,
    );
    expect((await parseMail(sent)).kind).toBe('patch');
    expect((await amReadyMail(sent)).toString()).toBe(inner);
  });
});
