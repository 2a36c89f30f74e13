import { writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { mboxSource } from '../../src/ingest/mbox.ts';
import type { MailSource } from '../../src/ports/mail-source.ts';
import { tempDir } from '../helpers/tmp.ts';

const MBOX = [
  'From a@x Thu Jan  1 00:00:00 2026',
  'Subject: one',
  '',
  'first body',
  '>From the start, quoted by mboxrd',
  '>>From twice',
  '',
  'From b@x Thu Jan  1 00:00:00 2026',
  'Subject: two',
  '',
  'From here on, an unquoted body line (mboxo) that is no From_ line',
  '',
  'From c@x Thu Jan  1 00:00:00 2026',
  'Subject: three',
  '',
  'third',
  '',
].join('\n');

async function readAll(source: MailSource, after: string | null = null) {
  const out: { text: string; position: string }[] = [];
  for await (const m of source.read(after)) out.push({ text: m.raw.toString(), position: m.position });
  return out;
}

describe('mbox source', () => {
  it('splits messages at From_ lines after a blank line as git mailsplit does, unquotes >From, and keeps body lines that start with From', async () => {
    const file = join(tempDir(), 'list.mbox');
    writeFileSync(file, MBOX);
    const mails = await readAll(mboxSource(file));
    expect(mails.map((m) => m.position)).toEqual(['1', '2', '3']);
    expect(mails[0]?.text).toBe(
      // The blank line above the next From_ line stays with the message, as git am gets it.
      'Subject: one\n\nfirst body\nFrom the start, quoted by mboxrd\n>From twice\n\n',
    );
    expect(mails[1]?.text).toContain('From here on, an unquoted body line');
  });

  it('cuts at bare "From <sender>" lines only in a file whose separators are such lines, never in a real mbox', async () => {
    const dir = tempDir();
    const bare = join(dir, 'bare.mbox');
    writeFileSync(bare, 'From a@x\nSubject: one\n\nfirst\n\nFrom b@x\nSubject: two\n\nsecond\n');
    expect((await readAll(mboxSource(bare))).map((m) => m.text.split('\n')[0])).toEqual([
      'Subject: one',
      'Subject: two',
    ]);
    // A mail forwarded in a body looks like one; git mailsplit cuts only at real From_ lines.
    const real = join(dir, 'real.mbox');
    writeFileSync(
      real,
      'From a@x Thu Jan  1 00:00:00 2026\nSubject: one\n\nforwarded:\n\nFrom alice@x\nSubject: the original\n\nbody\n',
    );
    const mails = await readAll(mboxSource(real));
    expect(mails).toHaveLength(1);
    expect(mails[0]?.text).toContain('\nFrom alice@x\nSubject: the original\n');
  });

  it("reads git format-patch's own output as git am does, without unquoting", async () => {
    const file = join(tempDir(), '0001-quote.patch');
    const formatPatch = 'From 1234567890123456789012345678901234567890 Mon Sep 17 00:00:00 2001';
    writeFileSync(file, `${formatPatch}\nSubject: [PATCH] quote\n\n>From the archive, as written\n---\n`);
    expect((await readAll(mboxSource(file)))[0]?.text).toContain('\n>From the archive, as written\n');
  });

  it('resumes after a position', async () => {
    const file = join(tempDir(), 'list.mbox');
    writeFileSync(file, MBOX);
    expect((await readAll(mboxSource(file), '2')).map((m) => m.text)).toEqual(['Subject: three\n\nthird\n']);
  });

  it('reads gzipped mailboxes and keeps CRLF line ends', async () => {
    const file = join(tempDir(), 'list.mbox.gz');
    writeFileSync(file, gzipSync(Buffer.from(MBOX.replace(/\n/g, '\r\n'))));
    const mails = await readAll(mboxSource(file));
    expect(mails).toHaveLength(3);
    expect(mails[2]?.text).toBe('Subject: three\r\n\r\nthird\r\n');
  });

  it('cuts a long mailbox read in many chunks exactly, whatever straddles a chunk, a message larger than the buffer included', async () => {
    // Messages of 1 byte to 600 KB (past the 128 KB the reader starts with), with a From_ line
    // look-alike and a quoted one in the bodies, plain and gzipped: each comes back byte for byte.
    const bodies = [1, 70_000, 13, 600_000, 65_530, 200, 131_072, 5].map(
      (size, i) => `Subject: m${i}\n\nFrom here, body\n>From quoted\n${'x'.repeat(size)}\n\n`,
    );
    const mbox = bodies.map((b) => `From a@x Thu Jan  1 00:00:00 2026\n${b}`).join('');
    const expected = bodies.map((b) => b.replace('>From quoted', 'From quoted'));
    const dir = tempDir();
    writeFileSync(join(dir, 'long.mbox'), mbox);
    writeFileSync(join(dir, 'long.mbox.gz'), gzipSync(mbox));
    for (const name of ['long.mbox', 'long.mbox.gz']) {
      const mails = await readAll(mboxSource(join(dir, name)));
      expect(mails.map((m) => m.text.length)).toEqual(expected.map((t) => t.length));
      expect(mails.map((m) => m.text)).toEqual(expected);
    }
  });

  it('reads every mail before trailing garbage after gzip data and warns with its byte offset, as gzip does', async () => {
    // Long enough that zlib hands the mails on in several chunks: the last one was lost with the
    // junk's "incorrect header check", and with it the mail it ends.
    const mbox = Array.from(
      { length: 30 },
      (_, i) =>
        `From a@x Thu Jan  1 00:00:00 2026\nSubject: m${i}\n\n${randomBytes(6000).toString('base64')}\n\n`,
    ).join('');
    const gz = gzipSync(mbox);
    const file = join(tempDir(), 'junk.mbox.gz');
    writeFileSync(file, Buffer.concat([gz, Buffer.from('junk\n')]));
    const warned: Record<string, unknown>[] = [];
    const mails = await readAll(mboxSource(file, { warn: (fields) => warned.push(fields) }));
    expect(mails.map((m) => m.text.split('\n')[0])).toEqual(
      Array.from({ length: 30 }, (_, i) => `Subject: m${i}`),
    );
    expect(warned).toEqual([{ file, offset: gz.length, bytes: 5 }]);
  });

  it('reads every member of a multi-member gzip file, zero padding after it without a warning', async () => {
    const file = join(tempDir(), 'members.mbox.gz');
    const parts = MBOX.split(/(?=^From )/m);
    writeFileSync(file, Buffer.concat([...parts.map((part) => gzipSync(part)), Buffer.alloc(512)]));
    const warned: unknown[] = [];
    const mails = await readAll(mboxSource(file, { warn: (fields) => warned.push(fields) }));
    expect(mails.map((m) => m.text.split('\n')[0])).toEqual([
      'Subject: one',
      'Subject: two',
      'Subject: three',
    ]);
    expect(warned).toEqual([]);
  });

  it('reads the mails before a damaged gzip member and then fails, naming the file', async () => {
    const file = join(tempDir(), 'damaged.mbox.gz');
    const [first = '', ...rest] = MBOX.split(/(?=^From )/m);
    const second = gzipSync(rest.join(''));
    second.writeUInt8((second.at(-8) ?? 0) ^ 1, second.length - 8); // its CRC
    writeFileSync(file, Buffer.concat([gzipSync(first), second]));
    const texts: string[] = [];
    await expect(
      (async () => {
        for await (const m of mboxSource(file).read(null)) texts.push(m.raw.toString().split('\n')[0] ?? '');
      })(),
    ).rejects.toThrow(`cannot read mailbox ${file}: gzip member ending at byte`);
    expect(texts).toEqual(['Subject: one', 'Subject: two']);
  });

  it('reads the last mail of whole members when the next member fails before giving a byte, then fails, as zcat reads them', async () => {
    const whole = gzipSync(MBOX);
    const damaged = {
      'a damaged header': Buffer.from('\x1f\x8b\x08\x00garbage', 'latin1'),
      'a member cut off': gzipSync(MBOX).subarray(0, 20),
    };
    for (const [kind, after] of Object.entries(damaged)) {
      const file = join(tempDir(), 'member.mbox.gz');
      writeFileSync(file, Buffer.concat([whole, after]));
      const texts: string[] = [];
      await expect(
        (async () => {
          for await (const m of mboxSource(file).read(null))
            texts.push(m.raw.toString().split('\n')[0] ?? '');
        })(),
        kind,
      ).rejects.toThrow(`cannot read mailbox ${file}`);
      expect(texts, kind).toEqual(['Subject: one', 'Subject: two', 'Subject: three']);
    }
  });

  it('reads a single message file without a From_ line', async () => {
    const file = join(tempDir(), 'one.eml');
    writeFileSync(file, 'Subject: only\n\nbody\n');
    expect((await readAll(mboxSource(file))).map((m) => m.text)).toEqual(['Subject: only\n\nbody\n']);
  });

  it('keeps 8-bit bytes as they are', async () => {
    const file = join(tempDir(), 'latin1.mbox');
    const bytes = Buffer.concat([
      Buffer.from('From a@x Thu Jan  1 00:00:00 2026\nSubject: caf'),
      Buffer.from([0xe9]),
      Buffer.from('\n\nx\n'),
    ]);
    writeFileSync(file, bytes);
    for await (const m of mboxSource(file).read(null)) expect(m.raw.includes(Buffer.from([0xe9]))).toBe(true);
  });

  it('says which file cannot be opened', async () => {
    await expect(readAll(mboxSource('/nonexistent/list.mbox'))).rejects.toThrow(
      /cannot open mailbox \/nonexistent\/list.mbox/,
    );
  });
});
