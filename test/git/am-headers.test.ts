import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { amCommit } from '../../src/git/am-commit.ts';
import { parseMail } from '../../src/mail/parse.ts';
import { git, makeRepo } from '../helpers/git.ts';
import { tempDir } from '../helpers/tmp.ts';

/** A patch mail changing a.txt from "one" to "two", with the From and Subject given as raw header
 * values (encoded words and all). */
function probe(from: string, subject: string): Buffer {
  return Buffer.from(
    [
      'From 0123456789012345678901234567890123456789 Mon Sep 17 00:00:00 2001',
      `From: ${from}`,
      'Date: Tue, 24 Nov 2026 10:15:30 +0100',
      `Subject: ${subject}`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=UTF-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      'Why.',
      '---',
      'diff --git a/a.txt b/a.txt',
      'index 5626abf..f719efd 100644',
      '--- a/a.txt',
      '+++ b/a.txt',
      '@@ -1 +1 @@',
      '-one',
      '+two',
      '-- ',
      '2.47.1',
      '',
    ].join('\n'),
  );
}

/** Author name and subject as `git am` writes them into the commit. */
function gitAm(mail: Buffer): { name: string; subject: string } {
  const dir = makeRepo(join(tempDir(), 'repo'), { 'a.txt': 'one\n' });
  const file = join(dir, '..', 'probe.mbox');
  writeFileSync(file, mail);
  git(dir, ['am', '-q', file]);
  const [name, subject] = git(dir, ['log', '-1', '--format=%an%x00%s']).replace(/\n$/, '').split('\0');
  return { name: name ?? '', subject: subject ?? '' };
}

// Each probe is a kind git's mailinfo reads in its own way (issue 17, items 14 to 16).
const PROBES: [string, string, string][] = [
  [
    'a Latin-1 byte in a UTF-8 encoded word, in the name',
    '=?UTF-8?q?Ren=A0e_Writer?= <r@example.org>',
    '[PATCH] fix it',
  ],
  [
    'a Latin-1 byte in a UTF-8 encoded word, in the subject',
    'Ann <a@example.org>',
    '=?UTF-8?q?[PATCH]_caf=E9_fix?=',
  ],
  [
    'a no-break space and an ideographic space',
    '=?UTF-8?q?Ann=C2=A0Author?= <a@example.org>',
    '=?UTF-8?q?[PATCH]_a=C2=A0b=E3=80=80c?=',
  ],
  ['a form feed inside the subject', 'Ann <a@example.org>', '=?UTF-8?q?[PATCH]_a=0Cb?='],
  ['a colon after the brackets', 'Ann <a@example.org>', '[PATCH v2 1/1] : leading colon'],
  ['reply markers and tags in turn', 'Ann <a@example.org>', 'Re: [PATCH] re: [RFC]:x'],
  [
    'a character split across two encoded words',
    '=?UTF-8?q?Ren=C3?= =?UTF-8?q?=A9_Writer?= <r@example.org>',
    '=?UTF-8?B?W1BBVENIXSBjYWbD?= =?UTF-8?B?qSBmaXg=?=',
  ],
  ['an ISO-8859-1 name', '=?ISO-8859-1?Q?Ren=E9_Writer?= <r@example.org>', '=?iso-8859-1?q?[PATCH]_caf=E9?='],
  ['white space inside an encoded word', 'Ann <a@example.org>', '=?UTF-8?Q?[PATCH] x y?='],
  ['a colon without brackets, a tab, a fold', 'Ann <a@example.org>', ':\tfix\tthe\n  thing'],
  ['a no-break space after the brackets', 'Ann <a@example.org>', '=?UTF-8?q?[PATCH]=C2=A0x?='],
  ['quotes inside an encoded name', '=?UTF-8?q?=22Ann=22_B?= <a@example.org>', '[PATCH] x'],
  ['an encoded name in a comment', 'a@example.org (=?UTF-8?q?Ren=C3=A9?=)', '[PATCH] x'],
  ['two spaces and a tab in a name', 'Ann  B\tC <a@example.org>', '[PATCH] x'],
];

describe('subjects and author names exactly as git am writes them', () => {
  it.each(PROBES)('%s', async (_kind, from, subject) => {
    const mail = probe(from, subject);
    const expected = gitAm(mail);
    const commit = amCommit(mail);
    if ('unsupported' in commit) throw new Error(`left to git am: ${commit.unsupported}`);
    expect({ name: commit.author.name, subject: commit.message.split('\n')[0] }).toEqual(expected);
    // What patchferry shows (MR titles, reports) is what the commit says.
    const parsed = await parseMail(mail);
    expect(parsed.from.name).toBe(expected.name);
    expect(parsed.tag.title).toBe(expected.subject);
  });
});

describe('in-body headers exactly as git am reads them', () => {
  it.each([
    [
      'a character split across two encoded words',
      '=?UTF-8?q?Ren=C3?= =?UTF-8?q?=A9_Writer?= <r@example.org>',
    ],
    ['a Latin-1 byte in a UTF-8 encoded word', '=?UTF-8?q?Ren=A0e?= <r@example.org>'],
    ['an ISO-8859-1 encoded word', '=?ISO-8859-1?Q?Ren=E9?= <r@example.org>'],
  ])('an in-body From: with %s', (_kind, author) => {
    const mail = Buffer.from(
      probe('Gate <gate@example.org>', '[PATCH] fix it')
        .toString('utf8')
        .replace('\n\nWhy.', `\n\nFrom: ${author}\n\nWhy.`),
    );
    const expected = gitAm(mail);
    const commit = amCommit(mail);
    if ('unsupported' in commit) throw new Error(`left to git am: ${commit.unsupported}`);
    expect({ name: commit.author.name, subject: commit.message.split('\n')[0] }).toEqual(expected);
  });
});
