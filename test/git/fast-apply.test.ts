import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import libqp from 'libqp';
import { describe, expect, it } from 'vitest';
import { GitApplier } from '../../src/git/applier.ts';
import { GitMirror } from '../../src/git/mirror.ts';
import type { ApplyRequest, PatchToApply } from '../../src/ports/repository.ts';
import { createLogger } from '../../src/shared/log.ts';
import { commitFiles, formatPatches, git, makeRepo } from '../helpers/git.ts';
import { tempDir } from '../helpers/tmp.ts';

/** An applier whose 'series applied' events are kept, to see which way a series went. */
function applierIn(dir: string) {
  const events: { via?: string; fastPathDeclined?: string }[] = [];
  const destination = new Writable({
    write(line: Buffer, _encoding, done) {
      const event = JSON.parse(line.toString()) as { msg: string; via?: string; fastPathDeclined?: string };
      if (event.msg === 'series applied') events.push(event);
      done();
    },
  });
  const mirror = new GitMirror({ workDir: join(dir, 'pf') });
  return { mirror, applier: new GitApplier({ mirror, log: createLogger({ destination }) }), events };
}

const asPatches = (mails: Buffer[], trailers: Record<number, string[]> = {}): PatchToApply[] =>
  mails.map((raw, i) => ({ part: i + 1, subject: `patch ${i + 1}`, raw, trailers: trailers[i + 1] ?? [] }));

/** What a maintainer gets with git alone: `git am --3way` of each mail onto `base`, trailers added
 * with `git commit --amend --trailer`. Reproducible (as patchferry's merge-request mode): committer
 * dates taken from the patches, so that both sides make the same commit ids; otherwise the
 * committer comes from the environment, GIT_COMMITTER_DATE included. */
function plainGitAm(
  dir: string,
  upstream: string,
  base: string,
  patches: readonly PatchToApply[],
  reproducible = true,
): string {
  const checkout = join(dir, `plain-${Math.random().toString(36).slice(2)}`);
  execFileSync('git', ['clone', '-q', upstream, checkout]);
  const env = {
    GIT_COMMITTER_NAME: 'patchferry',
    GIT_COMMITTER_EMAIL: 'patchferry@localhost',
    ...process.env,
  };
  const run = (args: string[], extra: Record<string, string> = {}) =>
    execFileSync('git', args, { cwd: checkout, encoding: 'utf8', env: { ...env, ...extra } });
  run(['checkout', '-q', '--detach', base]);
  for (const [i, patch] of patches.entries()) {
    const file = join(dir, `mail-${i}.eml`);
    writeFileSync(file, patch.raw);
    run(['am', '--3way', '--quiet', ...(reproducible ? ['--committer-date-is-author-date'] : []), file]);
    if (patch.trailers.length > 0) {
      const date: Record<string, string> = reproducible
        ? { GIT_COMMITTER_DATE: run(['log', '-1', '--format=%ad', '--date=raw']).trim() }
        : {};
      run(
        ['commit', '--amend', '--quiet', '--no-edit', ...patch.trailers.flatMap((t) => ['--trailer', t])],
        date,
      );
    }
  }
  return run(['rev-parse', 'HEAD']).trim();
}

function request(upstream: string, patches: PatchToApply[], name: string): ApplyRequest {
  return {
    project: 'p',
    gitUrl: upstream,
    branch: 'master',
    workName: name,
    patches,
    pushTo: { branch: `pf/${name}`, force: true },
    reproducible: true,
  };
}

describe('applying a series in memory (the fast path)', () => {
  it('makes the very commits git am makes, for every kind of change a patch carries', async () => {
    const dir = tempDir();
    const big = Buffer.alloc(64 * 1024, 0).map((_, i) => (i * 7919) % 251);
    const work = makeRepo(join(dir, 'work'), {
      'a.txt': 'one\ntwo\nthree\nfour\nfive\nsix\nseven\n',
      'b.txt': 'to be deleted\n',
      'c.txt': 'line 1\nline 2\nline 3\nline 4\nline 5\n',
      'noeol.txt': 'first\nlast without newline',
      'script.sh': 'echo hi\n',
      'with space.txt': 'spaced\n',
    });
    writeFileSync(join(work, 'big.bin'), big);
    mkdirSync(join(work, 'sub')); // a submodule that is not checked out, as git leaves it
    git(work, ['update-index', '--add', '--cacheinfo', `160000,${'1'.repeat(40)},sub`]);
    git(work, ['add', '-A']);
    git(work, ['commit', '-q', '-m', 'binary and submodule']);
    const upstream = join(dir, 'upstream.git');
    git(dir, ['clone', '-q', '--bare', work, upstream]);
    const base = git(work, ['rev-parse', 'HEAD']).trim();

    const zoe = { name: 'Zoë Ünïcode', email: 'zoe@example.org' };
    commitFiles(
      work,
      'a: change two\n\nWhy:   \n\n\n  it was wrong.  \n',
      { 'a.txt': 'one\n2\nthree\nfour\nfive\nsix\nseven\n' },
      zoe,
    );
    commitFiles(work, 'dir: add files', { 'dir/sub/new.txt': 'new\n', 'empty.txt': '' });
    rmSync(join(work, 'b.txt'));
    mkdirSync(join(work, 'moved'));
    rmSync(join(work, 'c.txt'));
    writeFileSync(join(work, 'moved', 'c2.txt'), 'line 1\nline 2\nline 3\nline 4\nline 5 changed\n');
    git(work, ['add', '-A']);
    git(work, ['commit', '-q', '-m', 'delete b, move and change c']);
    chmodSync(join(work, 'script.sh'), 0o755);
    symlinkSync('a.txt', join(work, 'link'));
    writeFileSync(join(work, 'noeol.txt'), 'first\nlast, now with newline\n');
    writeFileSync(join(work, 'with space.txt'), 'spaced out\n');
    git(work, ['add', '-A']);
    git(work, ['commit', '-q', '-m', 'modes, links, line ends and names']);
    const changed = Buffer.from(big);
    changed.write('a few new bytes', 30_000);
    writeFileSync(join(work, 'big.bin'), changed);
    writeFileSync(join(work, 'small.bin'), Buffer.from([0, 1, 2, 3, 255, 0, 10, 13]));
    git(work, ['update-index', '--cacheinfo', `160000,${'2'.repeat(40)},sub`]);
    git(work, ['add', '-A']);
    git(work, ['commit', '-q', '-m', 'binary delta and literal, submodule bump']);
    commitFiles(work, 'a: reviewed change', { 'a.txt': 'one\n2\nthree\nfour\nfive\nsix\n7\n' });

    // Sent by someone other than the author (an in-body From: line), with rename detection.
    const mails = formatPatches(work, 6, ['-M', '--from=Fwd Sender <fwd@example.org>']);
    // One mail re-encoded quoted-printable (the first: 8-bit, for its author's name), and one as a
    // mail server hands it over (CRLF).
    const qp = (mails[0] as Buffer).toString('latin1');
    const split = qp.indexOf('\n\n');
    expect(qp.slice(0, split)).toContain('Content-Transfer-Encoding: 8bit');
    mails[1] = Buffer.from((mails[1] as Buffer).toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
    mails[0] = Buffer.from(
      `${qp.slice(0, split).replace('Content-Transfer-Encoding: 8bit', 'Content-Transfer-Encoding: quoted-printable')}\n\n${libqp.wrap(libqp.encode(Buffer.from(qp.slice(split + 2), 'latin1')))}`,
      'latin1',
    );
    // One from a mailer that labels ASCII windows-1252 and names its time zone after the offset.
    const labelled = (mails[3] as Buffer).toString('latin1');
    expect(labelled).not.toContain('Content-Type:');
    mails[3] = Buffer.from(
      labelled
        .replace(/^(Date: .*)$/m, '$1 (CET)')
        .replace(
          /^Subject: /m,
          'MIME-Version: 1.0\nContent-Type: text/plain; charset=windows-1252\nSubject: ',
        ),
      'latin1',
    );
    // And one in ISO-8859-1, with a word git converts to UTF-8.
    const latin1 = (mails[2] as Buffer).toString('latin1');
    expect(latin1).not.toContain('Content-Type:');
    mails[2] = Buffer.from(
      latin1
        .replace(/^Subject: /m, 'MIME-Version: 1.0\nContent-Type: text/plain; charset=ISO-8859-1\nSubject: ')
        .replace(/\n---\n/, '\n\nCaf\u00e9 cr\u00e8me.\n---\n'),
      'latin1',
    );
    const patches = asPatches(mails, { 6: ['Reviewed-by: Rita Reviewer <rita@example.org>'] });

    const { applier, events } = applierIn(dir);
    const result = await applier.apply(request(upstream, patches, 'kinds'));
    expect(events.map((e) => [e.via, e.fastPathDeclined])).toEqual([['fast-import', undefined]]);
    expect(result).toMatchObject({ ok: true, base });
    const plain = plainGitAm(dir, upstream, base, patches);
    expect(result.ok && result.head).toBe(plain);
    expect(git(upstream, ['rev-parse', 'pf/kinds']).trim()).toBe(plain);
    expect(git(upstream, ['log', '-1', '--format=%B', 'pf/kinds~3'])).toContain('Café crème.');
    // The work left nothing behind in the mirror but its objects.
    expect(git(join(dir, 'pf', 'mirrors', 'p.git'), ['for-each-ref', 'refs/patchferry/apply'])).toBe('');
  });

  /** The newest `n` commits of the first-parent history that follow one another without a merge
   * (a merge's other side would be in the range too, in an order git am cannot follow). */
  function linearStretch(top: string, n: number): string[] {
    const lines = git(top, ['rev-list', '--first-parent', '--parents', '-n', '2000', 'HEAD'])
      .trim()
      .split('\n');
    let stretch: string[] = [];
    for (const l of lines) {
      const [sha, ...parents] = l.split(' ');
      if (!sha || parents.length !== 1) {
        stretch = [];
        continue;
      }
      stretch.push(sha);
      if (stretch.length === n) return stretch;
    }
    return stretch;
  }

  it('makes the commits of this repository’s own recent history exactly as git am does', async (ctx) => {
    const top = (() => {
      try {
        return execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim();
      } catch {
        return '';
      }
    })();
    const line = top ? linearStretch(top, 31) : [];
    if (line.length < 31) {
      ctx.skip(`needs 30 commits of this repository's history (a git checkout); found ${line.length}`);
      return;
    }
    const dir = tempDir();
    const upstream = join(dir, 'upstream.git');
    git(dir, ['clone', '-q', '--bare', '--no-local', top, upstream]);
    const base = line[30] ?? '';
    git(upstream, ['update-ref', 'refs/heads/master', base]);
    const mails = execFileSync('git', ['format-patch', '--stdout', `${base}..${line[0] ?? ''}`], {
      cwd: top,
      maxBuffer: 1 << 28,
    })
      .toString('latin1')
      .split(/^(?=From [0-9a-f]{40} Mon Sep 17 00:00:00 2001$)/m)
      .map((m) => Buffer.from(m, 'latin1'));
    const patches = asPatches(mails);
    const { applier, events } = applierIn(dir);
    const result = await applier.apply(request(upstream, patches, 'history'));
    expect(events.map((e) => e.via)).toEqual(['fast-import']);
    expect(result.ok && result.head).toBe(plainGitAm(dir, upstream, base, patches));
  });

  it('names the committer and the date as git would in direct mode, from the environment too', async () => {
    const dir = tempDir();
    const work = makeRepo(join(dir, 'work'), { 'a.txt': 'one\n' });
    const upstream = join(dir, 'upstream.git');
    git(dir, ['clone', '-q', '--bare', work, upstream]);
    const base = git(work, ['rev-parse', 'HEAD']).trim();
    commitFiles(work, 'a: two', { 'a.txt': 'two\n' });
    commitFiles(work, 'a: three', { 'a.txt': 'three\n' });
    const patches = asPatches(formatPatches(work, 2), { 2: ['Acked-by: Al <al@example.org>'] });
    const saved = { ...process.env };
    Object.assign(process.env, {
      GIT_COMMITTER_NAME: 'Mia Maintainer',
      GIT_COMMITTER_EMAIL: 'mia@example.org',
      GIT_COMMITTER_DATE: 'Wed, 25 Nov 2026 08:00:00 -0500',
    });
    try {
      const { applier, events } = applierIn(dir);
      const result = await applier.apply({ ...request(upstream, patches, 'direct'), reproducible: false });
      expect(events.map((e) => e.via)).toEqual(['fast-import']);
      expect(result.ok && result.head).toBe(plainGitAm(dir, upstream, base, patches, false));
      expect(git(upstream, ['log', '-1', '--format=%cn <%ce> %cd', '--date=raw', 'pf/direct']).trim()).toBe(
        'Mia Maintainer <mia@example.org> 1795611600 -0500',
      );
    } finally {
      for (const key of ['GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'GIT_COMMITTER_DATE']) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
  });

  it('gives git am the patches made against other content, which a three-way merge applies, and takes the others', async () => {
    const dir = tempDir();
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}\n`);
    const work = makeRepo(join(dir, 'work'), { 'a.txt': lines.join(''), 'b.txt': 'bee\n' });
    const upstream = join(dir, 'upstream.git');
    git(dir, ['clone', '-q', '--bare', work, upstream]);
    const other = join(dir, 'other');
    git(dir, ['clone', '-q', upstream, other]);
    commitFiles(other, 'upstream: first line', { 'a.txt': ['line one\n', ...lines.slice(1)].join('') });
    git(other, ['push', '-q', 'origin', 'master']);
    const base = git(other, ['rev-parse', 'HEAD']).trim();
    // Patches 2, 4 and 5 change a.txt as the sender had it, not as upstream has it now.
    const a = [...lines];
    commitFiles(work, 'b: first', { 'b.txt': 'BEE\n' });
    a[29] = 'line thirty\n';
    commitFiles(work, 'a: last line', { 'a.txt': a.join('') });
    commitFiles(work, 'c: new', { 'c.txt': 'sea\n' });
    a[28] = 'line twenty-nine\n';
    commitFiles(work, 'a: line 29', { 'a.txt': a.join('') });
    a[27] = 'line twenty-eight\n';
    commitFiles(work, 'a: line 28', { 'a.txt': a.join('') });
    commitFiles(work, 'd: new', { 'd.txt': 'dee\n' });
    const patches = asPatches(formatPatches(work, 6), { 6: ['Tested-by: Tim <tim@example.org>'] });

    const { applier, events } = applierIn(dir);
    const result = await applier.apply(request(upstream, patches, 'moved'));
    // git am takes a declined patch alone while the fast path takes what follows it; declined again
    // straight away (patch 5 after 4), git am takes the rest.
    expect(events[0]).toMatchObject({
      via: 'fast-import 1, then git am 1, then fast-import 1, then git am 1, then git am 2',
      fastPathDeclined: [2, 4, 5]
        .map((n) => `patch ${n}: a.txt is not the version the patch was made from`)
        .join('; '),
    });
    expect(result).toMatchObject({ ok: true, base });
    expect(result.ok && result.head).toBe(plainGitAm(dir, upstream, base, patches));
    expect(git(upstream, ['show', 'pf/moved:a.txt'])).toBe(['line one\n', ...a.slice(1)].join(''));
    expect(git(join(dir, 'pf', 'mirrors', 'p.git'), ['for-each-ref', 'refs/patchferry/apply'])).toBe('');
  });

  it('leaves to git am a repository whose settings change what git am makes', async () => {
    const dir = tempDir();
    const work = makeRepo(join(dir, 'work'), { 'a.txt': 'one\n' });
    const upstream = join(dir, 'upstream.git');
    git(dir, ['clone', '-q', '--bare', work, upstream]);
    commitFiles(work, 'a: trailing blanks', { 'a.txt': 'one   \ntwo\t\n' });
    const { mirror, applier, events } = applierIn(dir);
    await mirror.branchTip('p', upstream, 'master'); // the mirror is made
    git(join(dir, 'pf', 'mirrors', 'p.git'), ['config', 'apply.whitespace', 'fix']);

    const result = await applier.apply(request(upstream, asPatches(formatPatches(work, 1)), 'ws'));
    expect(result.ok).toBe(true);
    expect(events[0]).toMatchObject({
      via: 'git am 1',
      fastPathDeclined: 'git setting apply.whitespace=fix',
    });
    expect(git(upstream, ['show', 'pf/ws:a.txt'])).toBe('one\ntwo\n');
  });
});

describe('keeping the mirror in shape without git am', () => {
  it('lets git gc join the packs fast-import leaves, as git am would have', async () => {
    const dir = tempDir();
    const work = makeRepo(join(dir, 'work'), { 'a.txt': 'one\n' });
    const upstream = join(dir, 'upstream.git');
    git(dir, ['clone', '-q', '--bare', work, upstream]);
    const { mirror: pf, applier, events } = applierIn(dir);
    await pf.branchTip('p', upstream, 'master');
    const mirror = join(dir, 'pf', 'mirrors', 'p.git');
    // Every import a pack (small ones are loose objects by default), a low limit, and gc in the
    // foreground, so the test sees it happen.
    git(mirror, ['config', 'fastimport.unpackLimit', '1']);
    git(mirror, ['config', 'gc.autoPackLimit', '3']);
    git(mirror, ['config', 'gc.autoDetach', 'false']);
    const packs = () =>
      readdirSync(join(mirror, 'objects', 'pack')).filter((f) => f.endsWith('.pack')).length;
    for (let i = 0; i < 5; i++) {
      commitFiles(work, `a: ${i}`, { 'a.txt': `one ${i}\n` });
      const mails = formatPatches(work, 1);
      git(work, ['reset', '-q', '--hard', 'HEAD~1']);
      await applier.apply(request(upstream, asPatches(mails), `s${i}`));
    }
    expect(events.every((e) => e.via === 'fast-import')).toBe(true);
    expect(packs()).toBeLessThanOrEqual(3);
  });
});
