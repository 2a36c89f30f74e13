import { describe, expect, it } from 'vitest';
import { parseMail } from '../../src/mail/parse.ts';
import { commitFiles, formatPatches, makeRepo } from '../helpers/git.ts';
import { rawMail } from '../helpers/mail.ts';
import { tempDir } from '../helpers/tmp.ts';

describe('parsing mail', () => {
  it('reads a git format-patch series: cover letter, patches, threading', async () => {
    const repo = makeRepo(tempDir(), { 'a.txt': 'one\n' });
    commitFiles(repo, 'a: add two\n\nSigned-off-by: Tess Tester <tess@example.org>', {
      'a.txt': 'one\ntwo\n',
    });
    commitFiles(repo, 'a: add three', { 'a.txt': 'one\ntwo\nthree\n' });
    const [cover, first, second] = formatPatches(repo, 2, [
      '--cover-letter',
      '--subject-prefix=master PATCH demo',
    ]);
    const c = await parseMail(cover as Buffer);
    const p1 = await parseMail(first as Buffer);
    const p2 = await parseMail(second as Buffer);
    expect(c.kind).toBe('cover');
    expect(c.tag).toMatchObject({ part: 0, total: 2, before: ['master'], after: ['demo'] });
    expect(p1).toMatchObject({
      kind: 'patch',
      inReplyTo: c.messageId,
      from: { name: 'Tess Tester', address: 'tess@example.org' },
    });
    expect(p1.tag.title).toBe('a: add two');
    expect(p1.diff).toMatch(/^diff --git a\/a.txt b\/a.txt/);
    expect(p1.trailers.map((t) => t.key)).toEqual(['Signed-off-by']);
    expect(p2.references).toEqual([c.messageId]);
    expect(p1.date?.toISOString()).toMatch(/^2026-01-01T/);
  });

  it('classifies a reply, even one that quotes a diff', async () => {
    const mail = await parseMail(
      rawMail(
        {
          From: 'R <r@x.org>',
          Subject: 'Re: [PATCH] a: b',
          'Message-ID': '<r1@x>',
          'In-Reply-To': '<p1@x>',
          References: '<c@x>\n <p1@x>',
        },
        '> diff --git a/x b/x\n\nReviewed-by: R <r@x.org>\n',
      ),
    );
    expect(mail).toMatchObject({ kind: 'reply', inReplyTo: 'p1@x', references: ['c@x', 'p1@x'] });
    expect(mail.trailers[0]?.address).toBe('r@x.org');
  });

  it("classifies an answer sending back a cover letter's or pull request's subject with a review as a reply (b4)", async () => {
    const answer = (subject: string, body: string) =>
      parseMail(rawMail({ From: 'R <r@x.org>', Subject: subject, 'In-Reply-To': '<c@x>' }, body));
    expect((await answer('[PATCH 0/2] greet', '> Cover.\n\nReviewed-by: R <r@x.org>\n')).kind).toBe('reply');
    expect((await answer('[GIT PULL 0/2] queue', 'Acked-by: R <r@x.org>\n')).kind).toBe('reply');
    expect((await answer('[GIT PULL] queue', '> Please pull.\n\nPulled, thanks.\n')).kind).toBe('reply');
    // Quoting is no sign (assembly finds an answer that sends a cover letter's subject back): a
    // cover letter, by hand, may quote the review it answers.
    expect(
      (await answer('[PATCH v2 0/2] greet', 'On Mon, Rita wrote:\n> Rename it.\n\nDone in v2.\n')).kind,
    ).toBe('cover');
    expect((await answer('[PATCH v2 0/2] greet', 'Rita wrote:\n> Rename it.\n\nAnn (2):\n  a\n')).kind).toBe(
      'cover',
    );
    // A new version's cover letter sent into the old thread stays a cover letter, sign-off, quoted
    // review and all.
    expect(
      (
        await answer(
          '[PATCH v2 0/2] greet',
          'As asked:\n> split it\n\nAnn (2):\n  a\n  b\n\n 2 files changed, 2 insertions(+)\n',
        )
      ).kind,
    ).toBe('cover');
    expect((await answer('[PATCH v2 0/2] greet', 'Changes.\n\nSigned-off-by: R <r@x.org>\n')).kind).toBe(
      'cover',
    );
  });

  it('classifies a mail without tag or diff as other', async () => {
    const mail = await parseMail(
      rawMail({ From: 'a@x', Subject: 'Meeting', 'Message-ID': '<m@x>' }, 'Hello\n'),
    );
    expect(mail.kind).toBe('other');
  });

  it('classifies a patch forwarded on its own (Fwd:, answering nothing) as a patch, and one forwarded into a thread as a reply', async () => {
    const diff = 'Forwarding it.\n\n---\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n';
    const alone = rawMail({ From: 'z@x', Subject: 'Fwd: [PATCH hello] fix x', 'Message-ID': '<f1@x>' }, diff);
    expect((await parseMail(alone)).kind).toBe('patch');
    const threaded = rawMail(
      { From: 'z@x', Subject: 'Fwd: [PATCH hello] fix x', 'Message-ID': '<f2@x>', 'In-Reply-To': '<p@x>' },
      diff,
    );
    expect((await parseMail(threaded)).kind).toBe('reply');
  });

  it('reads a numbered pull request as the cover letter of its patches, keeping its URL and ref', async () => {
    const body =
      'The following changes since commit 1:\n\nare available in the git repository at:\n\n  git://h/r.git next\n\nfor you to fetch changes up to 2:\n';
    const mail = await parseMail(
      rawMail({ From: 'a@x', Subject: '[PULL qemu master 0/2] queue', 'Message-ID': '<pull@x>' }, body),
    );
    expect(mail).toMatchObject({ kind: 'cover', pull: { url: 'git://h/r.git', ref: 'next' } });
  });

  it('decodes RFC 2047 headers and gives a stable id to a mail that has none', async () => {
    const raw = rawMail(
      { From: '=?UTF-8?Q?Rafa=C5=82?= <r@x>', Subject: '=?UTF-8?B?W1BBVENIXSDFgcOzZMW6?=' },
      'body\n',
    );
    const a = await parseMail(raw);
    const b = await parseMail(raw);
    expect(a.from.name).toBe('Rafał');
    expect(a.subject).toBe('[PATCH] Łódź');
    expect(a.messageId).toBe(b.messageId);
    expect(a.messageId).toMatch(/@patchferry\.invalid$/);
  });

  it('finds a diff sent as an attachment', async () => {
    const raw = Buffer.from(
      [
        'From: a@x',
        'Subject: [PATCH] fix',
        'Message-ID: <att@x>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'See attached.',
        '--b',
        'Content-Type: text/x-patch; name="fix.patch"',
        'Content-Disposition: attachment; filename="fix.patch"',
        '',
        'diff --git a/x b/x',
        '--- a/x',
        '+++ b/x',
        '@@ -1 +1 @@',
        '-a',
        '+b',
        '--b--',
        '',
      ].join('\n'),
    );
    const mail = await parseMail(raw);
    expect(mail.kind).toBe('patch');
    expect(mail.diff).toMatch(/^diff --git a\/x b\/x/);
  });
});
