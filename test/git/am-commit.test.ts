import { describe, expect, it } from 'vitest';
import { amCommit, gitDate, plainIdent, stripSpace } from '../../src/git/am-commit.ts';

const MAIL = [
  'From 0123456789012345678901234567890123456789 Mon Sep 17 00:00:00 2001',
  'From: =?UTF-8?q?Zo=C3=AB=20Writer?= <zoe@example.org>',
  'Date: Tue, 24 Nov 2026 10:15:30 +0100',
  'Subject: [PATCH v2 1/2] a: change two',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=UTF-8',
  'Content-Transfer-Encoding: 8bit',
  '',
  'Because   ',
  '',
  '',
  'it was wrong.',
  '',
  'Signed-off-by: Zoë Writer <zoe@example.org>',
  '---',
  ' a.txt | 2 +-',
  '',
  'diff --git a/a.txt b/a.txt',
  '',
].join('\n');

describe('what git am makes of a mail', () => {
  it('takes the author, the date as git writes it, the cleaned message and the patch', () => {
    expect(amCommit(Buffer.from(MAIL))).toEqual({
      author: { name: 'Zoë Writer', email: 'zoe@example.org', date: '1795511730 +0100' },
      message: 'a: change two\n\nBecause\n\nit was wrong.\n\nSigned-off-by: Zoë Writer <zoe@example.org>\n',
      patch: '---\n a.txt | 2 +-\n\ndiff --git a/a.txt b/a.txt\n',
    });
  });

  it('reads a mail with CRLF line ends as git mailsplit does, like the same mail with LF', () => {
    expect(amCommit(Buffer.from(MAIL.replace(/\n/g, '\r\n')))).toEqual(amCommit(Buffer.from(MAIL)));
  });

  it('reads a plain ASCII message under any charset that extends ASCII, as git converts it', () => {
    const ascii = MAIL.replace('Zoë Writer <zoe', 'Zoe Writer <zoe').replace(
      'charset=UTF-8',
      'charset=windows-1252',
    );
    expect(amCommit(Buffer.from(ascii))).toMatchObject({ message: expect.stringContaining('Zoe Writer') });
  });

  it('converts an ISO-8859-1 message to UTF-8, as git does', () => {
    const latin1 = Buffer.from(
      MAIL.replace('Zoë Writer <zoe', 'Zoe Writer <zoe')
        .replace('charset=UTF-8', 'charset=ISO-8859-1')
        .replace('it was wrong.', 'it was wrong, café.'),
      'latin1',
    );
    expect(amCommit(latin1)).toMatchObject({ message: expect.stringContaining('it was wrong, café.\n') });
  });

  it('takes an in-body From: as the author of a forwarded patch', () => {
    const forwarded = MAIL.replace('Because   ', 'From: Original Author <orig@example.org>\n\nBecause');
    const commit = amCommit(Buffer.from(forwarded));
    expect('author' in commit && commit.author.name).toBe('Original Author');
  });

  it('leaves to git what it might read differently', () => {
    const unsupported = (mail: string) => {
      const result = amCommit(Buffer.from(mail));
      return 'unsupported' in result ? result.unsupported : 'read';
    };
    expect(unsupported(MAIL.replace('text/plain; charset=UTF-8', 'multipart/mixed; boundary=x'))).toBe(
      'a multipart/mixed mail',
    );
    expect(unsupported(MAIL.replace('charset=UTF-8', 'charset=UTF-8; format=flowed'))).toBe('format=flowed');
    expect(unsupported(MAIL.replace('charset=UTF-8', 'charset=ISO-8859-2'))).toBe(
      'a iso-8859-2 message with 8-bit text',
    );
    expect(unsupported(MAIL.replace('+0100', '+0100 (March)'))).toBe(
      'a date git might read otherwise: Tue, 24 Nov 2026 10:15:30 +0100 (March)',
    );
    expect(unsupported(MAIL.replace(/^From: .*$/m, 'From: "Zoe W." <zoe@example.org>'))).toBe(
      'an author git would clean up: Zoe W. <zoe@example.org>',
    );
    expect(unsupported(MAIL.replace(/---[\s\S]*$/, ''))).toBe('no patch in the mail');
  });
});

describe("git's dates, names and message clean-up", () => {
  it('turns RFC 2822 and raw dates into seconds and the writer’s own offset', () => {
    expect(gitDate('Tue, 24 Nov 2026 10:15:30 +0100')).toBe('1795511730 +0100');
    expect(gitDate('24 Nov 2026 09:15 +0000')).toBe('1795511700 +0000');
    expect(gitDate('Tue, 24 Nov 2026 04:45:30 -0430')).toBe('1795511730 -0430');
    expect(gitDate('Tue, 24 Nov 2026 09:15:30 -0000')).toBe('1795511730 +0000');
    expect(gitDate('1800000000 +0200')).toBe('1800000000 +0200');
    expect(gitDate('@1800000000 -0700')).toBe('1800000000 -0700');
    expect(gitDate('Mon, 17 Mar 2025 15:06:41 +0800 (CST)')).toBe('1742195201 +0800');
  });

  it('gives up on dates git reads by rules of its own', () => {
    for (const date of [
      '31 Feb 2026 10:00:00 +0000',
      'Tue, 24 Nov 2026 10:15:30',
      'yesterday',
      '24 Nov 26 10:00 +0000',
      '24 Nov 2026 10:00 +0000 (PMT)',
      '24 Nov 2026 10:00 +0000 (UTC+1)',
    ]) {
      expect(gitDate(date)).toBeNull();
    }
  });

  it('knows the names and addresses git writes unchanged', () => {
    expect(plainIdent('Zoë Writer')).toBe(true);
    expect(plainIdent('zoe@example.org')).toBe(true);
    for (const crud of ['', ' Zoë', 'Zoë.', '"Zoë"', 'a <b>', 'x,']) expect(plainIdent(crud)).toBe(false);
  });

  it('cleans a message as git stripspace does', () => {
    expect(stripSpace('\n\ntitle  \n\n\n\nbody\t\nmore \n\n')).toBe('title\n\nbody\nmore\n');
    expect(stripSpace('')).toBe('');
  });
});
