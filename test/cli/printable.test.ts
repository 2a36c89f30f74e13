import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { printable } from '../../src/cli/common.ts';
import { capturedIo } from '../helpers/io.ts';
import { rawMail } from '../helpers/mail.ts';
import { tempDir } from '../helpers/tmp.ts';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';

describe('what the command line prints', () => {
  it('shows terminal escapes and bidirectional controls from mail as \\uXXXX, never raw', () => {
    expect(printable('fix \u001b[31mRED\u001b[0m \u202eevil\r')).toBe(
      'fix \\u001b[31mRED\\u001b[0m \\u202eevil\\u000d',
    );
    expect(printable('tab\tstays, é and 日本 too')).toBe('tab\tstays, é and 日本 too');
  });

  it('keeps --json output valid JSON that reads back to the same subject', async () => {
    const mbox = join(tempDir(), 'list.mbox');
    // U+202E (right-to-left override) and ESC, in an encoded word as a mailer would send them.
    const subject = '[master PATCH hello] a \u202eb\u001b[2J';
    const encoded = `=?UTF-8?B?${Buffer.from(subject).toString('base64')}?=`;
    writeFileSync(
      mbox,
      Buffer.concat([
        Buffer.from('From x@y Thu Jan  1 10:00:00 2026\n'),
        rawMail({ From: 'x@y', Subject: encoded, 'Message-ID': '<m@y>' }, 'hi\n'),
      ]),
    );
    const { io, out } = capturedIo();
    expect(await main(['scan', '--json', mbox], io)).toBe(0);
    const text = out.join('\n');
    expect(text.includes('\u001b') || text.includes('\u202e')).toBe(false);
    const doc = JSON.parse(text) as { mails: { subject: string }[] };
    expect(doc.mails[0]?.subject).toBe(subject);
  });
});
