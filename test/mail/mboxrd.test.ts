import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mboxSource } from '../../src/ingest/mbox.ts';
import { mboxFromLine, writeMboxrd } from '../../src/mail/mboxrd.ts';
import { commitFiles, formatPatches, git, makeRepo } from '../helpers/git.ts';
import { tempDir } from '../helpers/tmp.ts';

/** A commit message whose lines an mbox could take for separators: git mailsplit's is_from_line
 * matches the second, and the third is already quoted once. */
const TRICKY = [
  'docs: explain the mbox format',
  '',
  'From doc/usage.txt: the usage is explained there.',
  'From alice@example.org Mon Nov 30 01:00:00 2026',
  '>From an earlier quote',
].join('\n');

/** Two real patches as git format-patch mails, without its own From_ lines (as received). */
function patches(dir: string): { repo: string; base: string; mails: Buffer[] } {
  const repo = makeRepo(join(dir, 'repo'), { README: 'hello\n' });
  const base = git(repo, ['rev-parse', 'HEAD']).trim();
  commitFiles(repo, TRICKY, { README: 'hello\nworld\n' });
  commitFiles(repo, 'README: a third line\n\nFrom here on, three lines.', { README: 'hello\nworld\n3\n' });
  const mails = formatPatches(repo, 2).map((m) =>
    Buffer.from(m.toString().replace(/^From [0-9a-f]{40} .*\n/, '')),
  );
  return { repo, base, mails };
}

describe('writing an mbox of received mails (mboxrd)', () => {
  it('quotes every line that looks like a From_ line, and starts each mail with a From_ line git accepts', () => {
    const out = writeMboxrd(
      [Buffer.from('Subject: x\n\nFrom a\n>From b\n>>From c\nFrom: d\n')],
      new Date(Date.UTC(2026, 10, 3, 1, 2, 3)),
    );
    expect(out.toString()).toBe(
      'From patchferry Tue Nov  3 01:02:03 2026\nSubject: x\n\n>From a\n>>From b\n>>>From c\nFrom: d\n\n',
    );
    expect(mboxFromLine(new Date(Date.UTC(2026, 10, 30)))).toBe('From patchferry Mon Nov 30 00:00:00 2026');
  });

  it('is read back by git mailsplit --mboxrd and by patchferry as the mails it was made of', async () => {
    const dir = tempDir();
    const { mails } = patches(dir);
    const file = join(dir, 'day.mbox');
    writeFileSync(file, writeMboxrd(mails, new Date()));
    const split = join(dir, 'split');
    execFileSync('mkdir', [split]);
    execFileSync('git', ['mailsplit', '--mboxrd', '--keep-cr', `-o${split}`, file]);
    const pieces = readdirSync(split)
      .sort()
      .map((f) => readFileSync(join(split, f), 'latin1').replace(/^From patchferry .*\n/, ''));
    // Each as it was, with the empty line that ends a mail in an mbox.
    expect(pieces).toEqual(mails.map((m) => `${m.toString('latin1')}\n`));
    const read: string[] = [];
    for await (const m of mboxSource(file).read(null)) read.push(m.raw.toString('latin1'));
    expect(read).toEqual(mails.map((m) => `${m.toString('latin1')}\n`));
  });

  it('gives git am --patch-format=mboxrd the same commits as the patches it was made of', () => {
    const dir = tempDir();
    const { repo, base, mails } = patches(dir);
    const file = join(dir, 'day.mbox');
    writeFileSync(file, writeMboxrd(mails, new Date()));
    const clone = join(dir, 'clone');
    execFileSync('git', ['clone', '-q', repo, clone]);
    git(clone, ['checkout', '-q', '-b', 'applied', base]);
    git(clone, ['am', '-q', '--patch-format=mboxrd', file]);
    const log = (at: string, range: string) => git(at, ['log', '--format=%an%n%B%n--', range]);
    expect(log(clone, `${base}..applied`)).toBe(log(repo, `${base}..master`));
    expect(log(clone, `${base}..applied`)).toContain(
      'From alice@example.org Mon Nov 30 01:00:00 2026\n>From an earlier quote',
    );
    expect(git(clone, ['rev-parse', 'applied^{tree}'])).toBe(git(repo, ['rev-parse', 'master^{tree}']));
  });
});
