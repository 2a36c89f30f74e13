import { describe, expect, it } from 'vitest';
import { MailParseError, parseMail } from '../../src/mail/parse.ts';

const HEAD = [
  'From: Ada Lovelace <ada@example.org>',
  'Subject: [master PATCH hello] add x',
  'Message-ID: <m1@example.org>',
  'Date: Sun, 29 Nov 2026 10:00:00 +0000',
  'MIME-Version: 1.0',
];
const DIFF = [
  'Adds x.',
  '',
  '---',
  'diff --git a/x.txt b/x.txt',
  'new file mode 100644',
  '--- /dev/null',
  '+++ b/x.txt',
  '@@ -0,0 +1,2 @@',
  '+x',
  '+y',
  '',
].join('\n');

function mail(headers: readonly string[], body: string): Buffer {
  return Buffer.from(`${[...HEAD, ...headers].join('\n')}\n\n${body}`);
}

function multipart(closed: boolean): Buffer {
  const parts = [
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Adds x.',
    '',
    '--b1',
    'Content-Type: text/x-patch; name=x.patch',
    'Content-Disposition: attachment; filename=x.patch',
    '',
    DIFF,
    ...(closed ? ['--b1--', ''] : []),
  ];
  return mail(['Content-Type: multipart/mixed; boundary="b1"'], parts.join('\n'));
}

async function reason(raw: Buffer): Promise<string> {
  try {
    await parseMail(raw);
  } catch (err) {
    if (err instanceof MailParseError) return err.message;
    throw err;
  }
  return 'parsed';
}

describe('malformed mail is refused with a reason, never read half', () => {
  it('refuses a multipart mail without its closing boundary (a truncated mail) instead of applying it cut short', async () => {
    expect((await parseMail(multipart(true))).diff).toContain('+y');
    expect(await reason(multipart(false))).toMatch(
      /without its closing boundary "--b1--" \(a truncated mail\)/,
    );
  });

  it('refuses a NUL byte in a header', async () => {
    const raw = mail([], DIFF);
    const at = raw.indexOf('add x');
    raw[at + 3] = 0;
    expect(await reason(raw)).toMatch(/a NUL byte in its header/);
  });

  it('refuses a NUL byte in a file name of the diff', async () => {
    const body = DIFF.replace('diff --git a/x.txt b/x.txt', 'diff --git a/x.txt\0../../etc b/x.txt');
    expect(await reason(mail([], body))).toMatch(/a NUL byte in a file name of its diff/);
  });

  it('refuses a [PATCH] whose base64 cannot be decoded, instead of dropping it without a word', async () => {
    const good = Buffer.from(DIFF).toString('base64');
    const ok = mail(['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64'], good);
    expect((await parseMail(ok)).kind).toBe('patch');
    const bad = mail(
      ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64'],
      `${good.slice(0, 40)}!!*not base64*!!${good.slice(40)}`,
    );
    expect(await reason(bad)).toMatch(/a text\/plain part whose base64 cannot be decoded/);
  });

  it('refuses undecodable base64 in an attachment too', async () => {
    const raw = mail(
      ['Content-Type: multipart/mixed; boundary="b1"'],
      [
        '--b1',
        'Content-Type: text/plain',
        '',
        'See the patch.',
        '--b1',
        'Content-Type: text/x-patch',
        'Content-Transfer-Encoding: base64',
        '',
        'ZGlm%%%ZiAt',
        '--b1--',
        '',
      ].join('\n'),
    );
    expect(await reason(raw)).toMatch(/a text\/x-patch part whose base64 cannot be decoded/);
  });

  it('refuses multiparts nested past any real mail, without exhausting the stack', async () => {
    const depth = 5000;
    let body = 'innermost\n';
    for (let i = depth; i > 0; i--)
      body = `--d${i}\nContent-Type: ${i === depth ? 'text/plain' : `multipart/mixed; boundary="d${i + 1}"`}\n\n${body}--d${i}--\n`;
    const raw = mail(['Content-Type: multipart/mixed; boundary="d1"'], body);
    expect(await reason(raw)).toMatch(/multiparts nested deeper than 16/);
  });
});
