import { describe, expect, it } from 'vitest';
import { mailInfo } from '../../src/mail/mailinfo.ts';

const mail = (text: string) => ({
  from: 'Sam Sender <sam@example.org>',
  subject: '[PATCH v2 1/3] net: fix the thing',
  date: 'Tue, 24 Nov 2026 10:00:00 +0000',
  text,
});

describe('what git mailinfo takes from a mail', () => {
  it('takes the author from an in-body From: line of a patch, and leaves it out of the message', () => {
    const info = mailInfo(mail('From: Ada Author <ada@example.org>\n\nWhy it changes.\n---\n a | 1 +\n'));
    expect(info).toMatchObject({
      author: 'Ada Author',
      email: 'ada@example.org',
      subject: 'net: fix the thing',
    });
    expect(info.message).toBe('Why it changes.\n');
  });

  it('does not believe in-body headers in a mail without a patch, but still leaves them out', () => {
    const info = mailInfo(mail('From: Ada Author <ada@example.org>\nSubject: quoted\n\nNo patch here.\n'));
    expect(info).toMatchObject({ author: 'Sam Sender', subject: 'net: fix the thing' });
    expect(info.message).toBe('No patch here.\n');
  });

  it('skips a pasted format-patch From_ line, quoted or not, and takes the headers below it', () => {
    for (const separator of ['From', '>From']) {
      const info = mailInfo(
        mail(
          `${separator} 1234567890123456789012345678901234567890 Mon Sep 17 00:00:00 2001\nFrom: Ada Author <ada@example.org>\nSubject: inner subject\n\nBody.\n---\npatch\n`,
        ),
      );
      expect(info).toMatchObject({ author: 'Ada Author', subject: 'inner subject', message: 'Body.\n' });
    }
  });
});
