import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { writeHelloConfig } from '../helpers/hello-config.ts';
import { main } from '../../src/cli/main.ts';
import type { ScanDocument } from '../../src/app/intake/scan.ts';
import { commitFiles, formatPatches, makeRepo } from '../helpers/git.ts';
import { rawMail } from '../helpers/mail.ts';
import { capturedIo } from '../helpers/io.ts';
import { tempDir } from '../helpers/tmp.ts';

async function run(args: string[]): Promise<{ status: number; out: string; err: string }> {
  const { io, out, err } = capturedIo();
  const status = await main(args, io);
  return { status, out: out.join('\n'), err: err.join('\n') };
}

/** A configuration with one project, hello, that claims the list hello-devel.example.org. */
function listConfig(dir: string, more = ''): string {
  return writeHelloConfig(dir, {
    git: 'hello.git',
    branches: ['master', 'for-9.0'],
    project: 'lists: [hello-devel.example.org]',
    more,
  });
}

describe('patchferry scan --json', () => {
  it('describes every mail and series of mbox, gzipped mbox and Maildir input', async () => {
    const dir = tempDir();
    const repo = makeRepo(join(dir, 'repo'), { 'a.txt': '1\n' });
    commitFiles(repo, 'a: two', { 'a.txt': '1\n2\n' });
    commitFiles(repo, 'a: three', { 'a.txt': '1\n2\n3\n' });
    const mails = formatPatches(repo, 2, ['--cover-letter', '--subject-prefix=stable-1.0 PATCH v2 hello']);
    const mbox = join(dir, 'list.mbox.gz');
    writeFileSync(
      mbox,
      gzipSync(Buffer.concat(mails.slice(0, 2).map((m) => Buffer.concat([m, Buffer.from('\n')])))),
    );
    const maildir = join(dir, 'Maildir');
    for (const sub of ['new', 'cur', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
    writeFileSync(
      join(maildir, 'cur', '1700000000.1.host:2,S'),
      (mails[2] as Buffer).toString().replace(/^From [^\n]*\n/, ''),
    );
    writeFileSync(
      join(maildir, 'new', '1700000001.2.host'),
      rawMail({ From: 'x@y', Subject: 'Re: nothing', 'Message-ID': '<r@y>' }, 'hi\n'),
    );

    const { status, out } = await run(['scan', '--json', mbox, maildir]);
    expect(status).toBe(0);
    const doc = JSON.parse(out) as ScanDocument;
    expect(doc.mails.map((m) => [m.file, m.index, m.kind])).toEqual([
      [mbox, 0, 'cover'],
      [mbox, 1, 'patch'],
      [maildir, 0, 'patch'],
      [maildir, 1, 'reply'],
    ]);
    expect(doc.mails[1]).toMatchObject({
      repo: 'hello',
      branch: 'stable-1.0',
      version: 2,
      part: 1,
      total: 2,
      prefixes: ['PATCH'],
      error: null,
      from: 'Tess Tester <tess@example.org>',
    });
    expect(doc.series).toHaveLength(1);
    expect(doc.series[0]).toMatchObject({
      repo: 'hello',
      branch: 'stable-1.0',
      version: 2,
      total: 2,
      complete: true,
      cover: doc.mails[0]?.messageId,
      supersedes: null,
    });
    expect(doc.series[0]?.patches).toEqual([doc.mails[1]?.messageId, doc.mails[2]?.messageId]);
  });

  it('checks tags against a configuration when one is given', async () => {
    const dir = tempDir();
    const file = join(dir, 'one.eml');
    writeFileSync(
      file,
      rawMail(
        { From: 'a@x', Subject: '[master PATCH qemu] fix', 'Message-ID': '<m@x>' },
        'diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n',
      ),
    );
    const { out } = await run([
      'scan',
      '--json',
      '--config',
      join(import.meta.dirname, '../../examples/patchferry.yml'),
      file,
    ]);
    expect((JSON.parse(out) as ScanDocument).mails[0]).toMatchObject({
      repo: 'qemu',
      branch: 'master',
      routeError: null,
    });
    const bad = join(dir, 'bad.eml');
    writeFileSync(
      bad,
      rawMail({ From: 'a@x', Subject: '[master PATCH kvm] fix', 'Message-ID': '<k@x>' }, 'x\n'),
    );
    const second = await run([
      'scan',
      '--json',
      '--config',
      join(import.meta.dirname, '../../examples/patchferry.yml'),
      bad,
    ]);
    expect((JSON.parse(second.out) as ScanDocument).mails[0]).toMatchObject({
      repo: null,
      routeError: expect.stringContaining('"kvm" is not known'),
    });
  });

  it('keeps the tag words a list route did not take visible as prefixes, in JSON and text', async () => {
    const dir = tempDir();
    const config = listConfig(dir);
    const file = join(dir, 'one.eml');
    writeFileSync(
      file,
      rawMail(
        {
          From: 'a@x',
          Subject: '[RFC PATCH bpf-next for-9.0 v1] fix',
          'Message-ID': '<m@x>',
          'List-Id': 'Hello <hello-devel.example.org>',
        },
        'diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n',
      ),
    );
    const json = JSON.parse((await run(['scan', '--json', '--config', config, file])).out) as ScanDocument;
    const routed = { repo: 'hello', branch: 'for-9.0', prefixes: ['RFC', 'PATCH', 'bpf-next'] };
    expect(json.mails[0]).toMatchObject({ ...routed, routedBy: 'list' });
    expect(json.series[0]).toMatchObject(routed);
    expect((await run(['scan', '--config', config, file])).out).toContain(
      'hello/for-9.0 (by list) [RFC PATCH bpf-next] <m@x>',
    );
    // Without a configuration the same word reads as the repository the tag names.
    expect((JSON.parse((await run(['scan', '--json', file])).out) as ScanDocument).mails[0]).toMatchObject({
      repo: 'bpf-next',
      prefixes: ['RFC', 'PATCH'],
    });
  });

  it('links versions across the addresses series.sameSender makes one person’s, as sync does', async () => {
    const dir = tempDir();
    const config = listConfig(dir, 'series: { sameSender: [[Ann@Home.Example, ann@work.example]] }\n');
    const diff = (to: string) => `diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+${to}\n`;
    const file = join(dir, 'two.mbox');
    const sent = (from: string, subject: string, id: string, to: string) =>
      `From mboxrd@z Thu Jan  1 00:00:00 1970\n${rawMail({ From: from, Subject: subject, 'Message-ID': id }, diff(to)).toString()}\n`;
    writeFileSync(
      file,
      sent('ann@home.example', '[PATCH hello] fix', '<v1@x>', 'b') +
        sent('ANN@work.example', '[PATCH hello v2] fix', '<v2@x>', 'c'),
    );
    const doc = JSON.parse((await run(['scan', '--json', '--config', config, file])).out) as ScanDocument;
    expect(doc.series.map((s) => [s.id, s.supersedes])).toEqual([
      ['v1@x', null],
      ['v2@x', 'v1@x'],
    ]);
  });

  it('says which path is missing, as a usage error', async () => {
    const { status, err } = await run(['scan', '/nonexistent/list.mbox']);
    expect(status).toBe(2);
    expect(err).toContain('/nonexistent/list.mbox: no such file or directory');
  });

  it('says a directory holds no mail, as a usage error', async () => {
    const dir = tempDir();
    const { status, err } = await run(['scan', dir]);
    expect(status).toBe(2);
    expect(err).toContain(`${dir} is a directory but neither a Maildir`);
  });

  it('refuses a FIFO as a usage error instead of waiting on it for ever', async () => {
    const fifo = join(tempDir(), 'list.mbox');
    execFileSync('mkfifo', [fifo]);
    const { status, err } = await run(['scan', fifo]);
    expect(status).toBe(2);
    expect(err).toContain(`${fifo} is not a regular file (a FIFO, device or socket)`);
  });

  it('describes the mails before a gzip cut short, reports the damage and scans the files after it', async () => {
    const dir = tempDir();
    // Random bodies, so that the compressed file is long enough to cut inside it.
    const mbox = Array.from({ length: 40 }, (_, i) =>
      Buffer.concat([
        Buffer.from('From someone@example.org Thu Jan  1 10:00:00 2026\n'),
        rawMail(
          { From: 'a@x', Subject: `note ${i}`, 'Message-ID': `<n${i}@x>` },
          `${randomBytes(3000).toString('base64')}\n\n`,
        ),
      ]),
    );
    const whole = gzipSync(Buffer.concat(mbox));
    const cut = join(dir, 'cut.mbox.gz');
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    const after = join(dir, 'after.eml');
    writeFileSync(after, rawMail({ From: 'b@y', Subject: 'after', 'Message-ID': '<after@y>' }, 'hi\n'));

    const json = await run(['scan', '--json', cut, after]);
    expect(json.status).toBe(1);
    const doc = JSON.parse(json.out) as ScanDocument;
    const read = doc.mails.filter((m) => m.file === cut && !m.unreadable);
    expect(read.length).toBeGreaterThan(5);
    expect(read.map((m) => m.subject)).toEqual(read.map((_, i) => `note ${i}`));
    expect(doc.mails.at(-2)).toMatchObject({
      file: cut,
      index: read.length,
      unreadable: true,
      kind: null,
      messageId: null,
      error: expect.stringContaining(`unexpected end of file (after ${read.length} mail(s))`),
    });
    expect(doc.mails.at(-1)).toMatchObject({ file: after, index: 0, subject: 'after' });
    expect(json.err).toContain(`patchferry: scan: cannot read mailbox ${cut}: `);
    expect(json.err).toContain(`(after ${read.length} mail(s)); the mails read before are described`);

    const plain = await run(['scan', cut, after]);
    expect(plain.status).toBe(1);
    expect(plain.out).toContain(`${read.length + 1} mail(s): ${read.length + 1} other`);
    expect(plain.err).toContain(`patchferry: scan: cannot read mailbox ${cut}: `);
  });

  it('reads every mail of a gzip file with trailing garbage and warns where the garbage starts', async () => {
    const dir = tempDir();
    const mails = [1, 2].map((i) =>
      rawMail({ From: 'a@x', Subject: `note ${i}`, 'Message-ID': `<p${i}@x>` }, 'body\n'),
    );
    const gz = gzipSync(Buffer.from(mails.map((m) => `From a@x Thu Jan  1 10:00:00 2026\n${m}\n`).join('')));
    const file = join(dir, 'junk.mbox.gz');
    writeFileSync(file, Buffer.concat([gz, Buffer.from('junk\n')]));
    const { status, out, err } = await run(['scan', file]);
    expect(status).toBe(0);
    expect(out).toContain('2 mail(s): 2 other');
    expect(err).toContain(
      `patchferry: scan: warning: trailing garbage after the gzip data ignored: file ${file}, offset ${gz.length}, bytes 5`,
    );
  });

  it('says an empty file holds no mail without a dangling colon', async () => {
    const empty = join(tempDir(), 'empty.mbox');
    writeFileSync(empty, '');
    const { status, out } = await run(['scan', empty]);
    expect(status).toBe(0);
    expect(out.split('\n')[0]).toBe('0 mail(s)');
  });

  it('wants at least one path', async () => {
    expect((await run(['scan'])).status).toBe(2);
  });
});
