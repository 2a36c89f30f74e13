import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { amMailbox } from '../../src/git/am-mailbox.ts';
import { commitFiles, formatPatches, git, makeRepo } from '../helpers/git.ts';
import { tempDir } from '../helpers/tmp.ts';

/** The commits `git am` makes in a fresh clone of `work`'s first commit from `inputs`. */
function amInto(dir: string, work: string, name: string, args: readonly string[]): string[] {
  const clone = join(dir, name);
  git(dir, ['clone', '-q', work, clone]);
  git(clone, ['checkout', '-q', '--detach', git(work, ['rev-list', '--max-parents=0', 'HEAD']).trim()]);
  git(clone, ['am', '--quiet', ...args]);
  return git(clone, ['log', '--format=%an <%ae> %ad%n%T%n%B%x00', 'HEAD']).split('\0\n');
}

describe('one mailbox for git am', () => {
  it('gives git am the same commits as the mails one file each', () => {
    const dir = tempDir();
    const work = makeRepo(join(dir, 'work'), { 'a.txt': 'one\n' });
    commitFiles(work, 'a: quote\n\n>From the archive, quoted.\n>>From deeper.', { 'a.txt': 'two\n' });
    commitFiles(
      work,
      'a: non-ASCII\n\nCafé crème, Grüße.',
      { 'a.txt': 'drei — ü\n' },
      {
        name: 'Zoë Ångström',
        email: 'zoe@example.org',
      },
    );
    commitFiles(work, 'b: new file', { 'b.txt': 'From here on\nlast line without newline' });
    const mails = formatPatches(work, 3);
    // A mail as some mailers send it: CRLF line ends and no mbox envelope line.
    const crlf = Buffer.from(
      mails[2]!
        .toString('latin1')
        .replace(/^From [^\n]*\n/, '')
        .replace(/\n/g, '\r\n'),
      'latin1',
    );
    const all = [mails[0]!, mails[1]!, crlf];
    const files = all.map((raw, i) => {
      const file = join(dir, `${i + 1}.eml`);
      writeFileSync(file, raw);
      return file;
    });
    const mailbox = join(dir, 'series.mbox');
    writeFileSync(mailbox, amMailbox(all));

    const oneByOne = amInto(dir, work, 'files', files);
    const joined = amInto(dir, work, 'mailbox', ['--patch-format=mboxrd', mailbox]);
    expect(joined).toEqual(oneByOne);
    expect(joined).toHaveLength(5); // three patches, the initial commit, the empty tail
  });

  it('keeps a message line that looks like an mbox separator inside its commit', () => {
    const dir = tempDir();
    const work = makeRepo(join(dir, 'work'), { 'a.txt': 'one\n' });
    const message =
      'a: explain\n\nThe log said:\nFrom 1234abcd Mon Sep 17 00:00:00 2001\n>From 1234abcd Mon Sep 17 00:00:00 2001\nand stopped.';
    commitFiles(work, message, { 'a.txt': 'two\n' });
    commitFiles(work, 'a: after', { 'a.txt': 'three\n' });
    const mailbox = join(dir, 'series.mbox');
    writeFileSync(mailbox, amMailbox(formatPatches(work, 2)));
    const clone = join(dir, 'clone');
    git(dir, ['clone', '-q', work, clone]);
    git(clone, ['checkout', '-q', '--detach', 'HEAD~2']);
    git(clone, ['am', '--quiet', '--patch-format=mboxrd', mailbox]);
    expect(git(clone, ['log', '-1', '--format=%B', 'HEAD~1']).trim()).toBe(message);
    expect(git(clone, ['log', '-1', '--format=%s', 'HEAD']).trim()).toBe('a: after');
  });
});
