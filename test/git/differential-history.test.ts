import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bothSides, formatPatchMails, linearWindows } from '../helpers/differential.ts';
import { tempDir } from '../helpers/tmp.ts';

/** git in `cwd` as `who` at `date` (seconds since the epoch, or any date git reads). */
function gitAs(cwd: string, args: readonly string[], who: { name: string; email: string; date: string }) {
  return execFileSync('git', args, {
    cwd,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: who.name,
      GIT_AUTHOR_EMAIL: who.email,
      GIT_AUTHOR_DATE: who.date,
      GIT_COMMITTER_NAME: who.name,
      GIT_COMMITTER_EMAIL: who.email,
      GIT_COMMITTER_DATE: who.date,
    },
  });
}

/** A commit of `files` (bytes as given) with `message` (bytes as given) and git options `opts`. */
function commit(
  dir: string,
  message: Buffer | string,
  files: Record<string, Buffer | string>,
  who: { name: string; email: string; date: string },
  opts: readonly string[] = [],
) {
  for (const [name, bytes] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), bytes);
  }
  writeFileSync(join(dir, '..', 'message'), message);
  gitAs(dir, ['add', '-A'], who);
  gitAs(dir, [...opts, 'commit', '-q', '-F', join(dir, '..', 'message')], who);
}

const latin1 = (s: string) => Buffer.from(s, 'latin1');

/**
 * History as old projects have it, made with git itself: dates from 1995 on, authors with accents,
 * a no-break space and an ideographic space, a message written in ISO-8859-1 (an `encoding` header
 * in the commit), files with CRLF line ends and Latin-1 bytes, a form feed, a subject starting with
 * a bracketed tag and a colon, a body line starting with "From ", a long subject git wraps, a
 * file name git quotes.
 */
function oldHistory(dir: string): { repo: string; base: string; tip: string } {
  const repo = join(dir, 'old');
  mkdirSync(repo, { recursive: true });
  const ann = { name: 'Ann Author', email: 'ann@example.org', date: '800000000 +0100' };
  gitAs(repo, ['init', '-q', '-b', 'master'], ann);
  commit(
    repo,
    'initial',
    { 'crlf.txt': 'one\r\ntwo\r\nthree\r\n', 'latin1.txt': latin1('caf\u00e9\n'), 'a.c': 'int a;\n' },
    ann,
  );
  const base = gitAs(repo, ['rev-parse', 'HEAD'], ann).toString().trim();
  commit(
    repo,
    latin1('latin1: caf\u00e9 cr\u00e8me\n\nWritten in ISO-8859-1 by Ren\u00e9.\n'),
    { 'latin1.txt': latin1('caf\u00e9 cr\u00e8me\n') },
    { name: 'Ren\u00e9 Lat', email: 'rene@example.org', date: '900000000 +0200' },
    ['-c', 'i18n.commitEncoding=ISO-8859-1'],
  );
  commit(
    repo,
    'spaces:\u00a0a no-break\u3000and an ideographic space\n',
    { 'a.c': 'int a;\nint b;\n' },
    { name: 'Zo\u00eb\u00a0Space', email: 'zoe@example.org', date: '1000000000 +0000' },
  );
  commit(
    repo,
    '[media] : tag and colon\n\nFrom the start, a body line that mbox quotes.\n',
    { 'a.c': 'int a;\nint b;\n\f\nint c;\n' },
    {
      ...ann,
      date: '1100000000 +0930',
    },
  );
  commit(
    repo,
    `long: ${'a subject long enough that git format-patch folds it over more than one header line '.repeat(2)}\n`,
    { 'd\u00e9j\u00e0 vu/\u00fcber.txt': 'quoted name\n' },
    { name: '\u5c71\u7530 \u592a\u90ce', email: 'yamada@example.org', date: '1200000000 +0900' },
  );
  commit(
    repo,
    'cr: a message with CRLF line ends\r\n\r\nWritten on DOS.\r\n',
    { 'a.c': 'int a;\n' },
    {
      ...ann,
      date: '820000000 -0500',
    },
  );
  commit(
    repo,
    'crlf: change a CRLF line\n\nThe file keeps its line ends.\n',
    { 'crlf.txt': 'one\r\nTWO\r\nthree\r\n' },
    { ...ann, date: '1700000000 +0100' },
  );
  const tip = gitAs(repo, ['rev-parse', 'HEAD'], ann).toString().trim();
  return { repo, base, tip };
}

function bare(dir: string, repo: string): string {
  const upstream = join(dir, 'upstream.git');
  execFileSync('git', ['clone', '-q', '--bare', '--no-local', repo, upstream]);
  return upstream;
}

describe('format-patch, then patchferry or git am --3way: the same commits', () => {
  it('over history with old dates, non-ASCII and ISO-8859-1 messages, CRLF and odd subjects', async () => {
    const dir = tempDir();
    const { repo, base, tip } = oldHistory(dir);
    const upstream = bare(dir, repo);
    const mails = formatPatchMails(repo, base, tip);
    expect(mails).toHaveLength(6);
    const { patchferry, gitAm } = await bothSides(dir, upstream, base, mails, 'old');
    // git am drops the CR of every line it reads from a mail (am.keepcr is off), so the patch that
    // changes a CRLF file does not apply, for git am and for patchferry alike.
    expect(gitAm.failedPart).toBe(6);
    expect(gitAm.commits).toHaveLength(5);
    expect(patchferry).toEqual(gitAm);
  });

  // Real history of a public project, read in place: PATCHFERRY_HISTORY_REPO names a git directory
  // (a clone, bare or not); the newest PATCHFERRY_HISTORY_WINDOWS (default 8) stretches of 10
  // commits without a merge that hold something odd (a non-ASCII author or message, an `encoding`
  // header, CRLF in the diff, a date before 2010) are each sent through both sides. Opt-in: no
  // such repository is part of the test data.
  const history = process.env.PATCHFERRY_HISTORY_REPO;
  it.skipIf(!history || !existsSync(history))(
    `over windows of a public project's real history (PATCHFERRY_HISTORY_REPO${history ? `=${history}` : ', not set'})`,
    { timeout: 600_000 },
    async () => {
      const repo = history as string;
      const dir = tempDir();
      const upstream = join(dir, 'upstream.git');
      execFileSync('git', ['clone', '-q', '--bare', '--shared', repo, upstream]);
      const wanted = Number(process.env.PATCHFERRY_HISTORY_WINDOWS ?? 8);
      const odd = (window: string[]) => {
        const range = `${window[0]}..${window.at(-1)}`;
        const log = execFileSync('git', ['log', '-p', '--format=%an%n%ae%n%e%n%at%n%B', range], {
          cwd: upstream,
          maxBuffer: 1 << 28,
        }).toString('latin1');
        return (
          // eslint-disable-next-line no-control-regex
          /[^\x00-\x7f]|\r\n/.test(log) ||
          execFileSync('git', ['log', '--format=%at', range], { cwd: upstream, encoding: 'utf8' })
            .trim()
            .split('\n')
            .some((t) => Number(t) < 1262304000)
        );
      };
      const windows = linearWindows(upstream, 'HEAD', 10).filter(odd).slice(0, wanted);
      expect(windows.length).toBeGreaterThan(0);
      const differ: string[] = [];
      let commits = 0;
      for (const [i, window] of windows.entries()) {
        const base = window[0] as string;
        const mails = formatPatchMails(upstream, base, window.at(-1) as string);
        const { patchferry, gitAm } = await bothSides(dir, upstream, base, mails, `w${i}`);
        commits += gitAm.commits.length;
        if (patchferry.failedPart !== gitAm.failedPart)
          differ.push(
            `${window.at(-1)}: git am stopped at part ${gitAm.failedPart}, patchferry at ${patchferry.failedPart}`,
          );
        gitAm.commits.forEach((id, k) => {
          if (patchferry.commits[k] !== id)
            differ.push(`${window[k + 1]}: git am ${id}, patchferry ${patchferry.commits[k] ?? 'none'}`);
        });
      }
      console.log(`${commits - differ.length} of ${commits} commits in ${windows.length} windows identical`);
      expect(differ).toEqual([]);
    },
  );
});
