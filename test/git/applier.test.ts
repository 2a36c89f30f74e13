import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GitApplier } from '../../src/git/applier.ts';
import { GitMirror } from '../../src/git/mirror.ts';
import { renderSeriesReport } from '../../src/render/report.ts';
import type { PatchToApply } from '../../src/ports/repository.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { commitFiles, formatPatches, git, makeRepo } from '../helpers/git.ts';
import { tempDir } from '../helpers/tmp.ts';

/** An upstream bare repository and patches made against it on a side branch. */
function world() {
  const dir = tempDir();
  const work = makeRepo(join(dir, 'work'), { 'a.txt': 'one\ntwo\nthree\n', 'b.txt': 'bee\n' });
  const upstream = join(dir, 'upstream.git');
  git(dir, ['clone', '-q', '--bare', work, upstream]);
  git(work, ['checkout', '-q', '-b', 'topic']);
  const mirror = new GitMirror({ workDir: join(dir, 'pf') });
  const applier = new GitApplier({ mirror, log: silentLogger() });
  return { dir, work, upstream, mirror, applier };
}

const asPatches = (mails: Buffer[], trailers: string[][] = []): PatchToApply[] =>
  mails.map((raw, i) => ({ part: i + 1, subject: `patch ${i + 1}`, raw, trailers: trailers[i] ?? [] }));

describe('applying series with git am', () => {
  it('stops when its unit is stopped: an error that says so, not a patch that failed, and nothing pushed', async () => {
    const { work, upstream, applier } = world();
    commitFiles(work, 'a: change two', { 'a.txt': 'one\n2\nthree\n' });
    const before = git(upstream, ['rev-parse', 'master']).trim();
    const stop = new AbortController();
    stop.abort(new Error('shutting down'));
    await expect(
      applier.apply({
        project: 'p',
        gitUrl: upstream,
        branch: 'master',
        workName: 'series-stopped@x',
        patches: asPatches(formatPatches(work, 1)),
        signal: stop.signal,
      }),
    ).rejects.toMatchObject({ code: 'git_aborted' });
    expect(git(upstream, ['rev-parse', 'master']).trim()).toBe(before);
  });

  it('applies every patch onto the target branch, keeps authors and folds trailers in', async () => {
    const { work, upstream, applier } = world();
    commitFiles(work, 'a: change two', { 'a.txt': 'one\n2\nthree\n' }, { name: 'Ada', email: 'ada@x' });
    commitFiles(
      work,
      'b: change bee\n\nSigned-off-by: Ada <ada@x>',
      { 'b.txt': 'BEE\n' },
      { name: 'Ada', email: 'ada@x' },
    );
    const result = await applier.apply({
      project: 'p',
      gitUrl: upstream,
      branch: 'master',
      workName: 'series-1@x',
      patches: asPatches(formatPatches(work, 2), [[], ['Reviewed-by: Rita <rita@x>']]),
    });
    expect(result.ok).toBe(true);
    const log = git(upstream, ['log', '--format=%an|%s|%(trailers:only,unfold)', 'master'])
      .trim()
      .split('\n')
      .filter(Boolean);
    expect(log).toEqual([
      'Ada|b: change bee|Signed-off-by: Ada <ada@x>',
      'Reviewed-by: Rita <rita@x>',
      'Ada|a: change two|',
      'Tess Tester|initial|',
    ]);
    if (result.ok) expect(git(upstream, ['rev-parse', 'master']).trim()).toBe(result.head);
  });

  it('applies, as b4 does, a patch sent with an HTML copy beside the text or as base64 of CRLF text, making the commit of the plain mail', async () => {
    const repack = (raw: Buffer, header: string, body: string) => {
      const text = raw.toString('utf8');
      const at = text.indexOf('\n\n');
      const kept = text
        .slice(0, at)
        .split('\n')
        .filter((l) => !/^(mime-version|content-type|content-transfer-encoding):/i.test(l));
      return Buffer.from(`${kept.join('\n')}\nMIME-Version: 1.0\n${header}\n\n${body}`, 'utf8');
    };
    const bodyOf = (raw: Buffer) => raw.toString('utf8').slice(raw.toString('utf8').indexOf('\n\n') + 2);
    const kinds = {
      alternative: (raw: Buffer) =>
        repack(
          raw,
          'Content-Type: multipart/alternative; boundary="b1"',
          `--b1\nContent-Type: text/plain; charset=UTF-8\n\n${bodyOf(raw)}\n--b1\nContent-Type: text/html; charset=UTF-8\n\n<html><pre>${bodyOf(raw)}</pre></html>\n--b1--\n`,
        ),
      'base64 of CRLF text': (raw: Buffer) =>
        repack(
          raw,
          'Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: base64',
          `${Buffer.from(bodyOf(raw).replace(/\n/g, '\r\n'), 'utf8')
            .toString('base64')
            .replace(/.{76}/g, '$&\n')}\n`,
        ),
    };
    for (const [kind, make] of Object.entries(kinds)) {
      const { work, upstream, applier } = world();
      commitFiles(
        work,
        'a: change two\n\nWhy it changes.',
        { 'a.txt': 'one\n2\nthree\n' },
        { name: 'Ada', email: 'ada@x' },
      );
      const [plain] = formatPatches(work, 1);
      const result = await applier.apply({
        project: 'p',
        gitUrl: upstream,
        branch: 'master',
        workName: `series-${kind.replace(/\W/g, '-')}@x`,
        patches: asPatches([make(plain as Buffer)]),
      });
      expect(result, kind).toMatchObject({ ok: true });
      const made = (ref: string, dir: string) => git(dir, ['log', '-1', '--format=%T|%an|%ae|%ad|%B', ref]);
      expect(made('master', upstream), kind).toBe(made('topic', work));
    }
  });

  it("reports a patch git cannot read without git's am --continue/--skip/--abort hints, and asks the sender to send it intact, not to rebase", async () => {
    const { work, upstream, applier } = world();
    commitFiles(work, 'a: change two', { 'a.txt': 'one\n2\nthree\n' });
    const [mail] = formatPatches(work, 1);
    // A mailer cut the hunk short: git reads a corrupt patch.
    const broken = Buffer.from((mail as Buffer).toString('utf8').replace(/^ three\n/m, ''), 'utf8');
    const result = await applier.apply({
      project: 'p',
      gitUrl: upstream,
      branch: 'master',
      workName: 'series-corrupt@x',
      patches: asPatches([broken]),
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.output).toMatch(/corrupt patch/);
    expect(result.output).not.toMatch(/^hint: |git am --(continue|skip|abort)/m);
    const report = renderSeriesReport(
      {
        title: 'a: change two',
        subject: '[PATCH] a: change two',
        version: 1,
        sender: { name: 'Ada', address: 'ada@x' },
        project: 'p',
        branch: 'master',
        patches: [{ part: 1, subject: 'a: change two' }],
        replyTo: 'p@x',
        references: [],
      },
      { state: 'failed', ...result },
      [],
      { listAddress: 'list@x', failureRecipients: [] },
    );
    expect(report.body).toContain('git could not read the patch');
    expect(report.body).not.toContain('rebase');
  });

  it("reports the patch that failed, the conflicting files and git's words, and pushes nothing", async () => {
    const { dir, work, upstream, applier } = world();
    commitFiles(work, 'b: first', { 'b.txt': 'first\n' });
    commitFiles(work, 'a: conflicting', { 'a.txt': 'one\nTWO\nthree\n' });
    const mails = formatPatches(work, 2);
    // Upstream moves on in a way the second patch cannot merge with.
    const other = join(tempDir(), 'other');
    git(tempDir(), ['clone', '-q', upstream, other]);
    commitFiles(other, 'a: upstream change', { 'a.txt': 'one\nzwei\nthree\n' });
    git(other, ['push', '-q', 'origin', 'master']);
    const before = git(upstream, ['rev-parse', 'master']).trim();

    const result = await applier.apply({
      project: 'p',
      gitUrl: upstream,
      branch: 'master',
      workName: 's2',
      patches: asPatches(mails),
    });
    expect(result).toMatchObject({
      ok: false,
      failedPart: 2,
      failedSubject: 'patch 2',
      conflicts: ['a.txt'],
    });
    if (!result.ok) expect(result.output).toMatch(/Patch failed at 0002 a: conflicting/);
    if (!result.ok)
      expect(result.conflictDiff).toMatch(/<<<<<<< [\s\S]*zwei[\s\S]*=======[\s\S]*TWO[\s\S]*>>>>>>> /);
    expect(git(upstream, ['rev-parse', 'master']).trim()).toBe(before);
    // The first patch was made in memory before git am took the second: nothing of it is left.
    expect(git(join(dir, 'pf', 'mirrors', 'p.git'), ['for-each-ref', 'refs/patchferry/apply'])).toBe('');
  });

  it('lends each series a clean worktree of its own and keeps it for the next one', async () => {
    const { dir, work, upstream, applier } = world();
    // Upstream moved on under the patch: the in-memory fast path leaves it to git am --3way, which
    // works in a worktree.
    const other = join(dir, 'other');
    git(dir, ['clone', '-q', upstream, other]);
    commitFiles(other, 'a: upstream change', { 'a.txt': 'ONE\ntwo\nthree\n' });
    git(other, ['push', '-q', 'origin', 'master']);
    commitFiles(work, 'a: x', { 'a.txt': 'one\ntwo\nTHREE\n' });
    const [mail] = formatPatches(work, 1);
    const request = {
      project: 'p',
      gitUrl: upstream,
      branch: 'master',
      patches: asPatches([mail as Buffer]),
    };
    await applier.apply({ ...request, workName: 'w1', pushTo: { branch: 'pf/w1', force: true } });
    // A run killed while holding the slot left litter and its lock (with a pid no process has).
    writeFileSync(join(dir, 'pf', 'worktrees', 'p', 'slot-0', 'stray.txt'), 'left over\n');
    writeFileSync(join(dir, 'pf', 'worktrees', 'p', 'slot-0.lock'), '2147483646');
    await applier.apply({ ...request, workName: 'w2', pushTo: { branch: 'pf/w2', force: true } });
    const list = git(join(dir, 'pf', 'mirrors', 'p.git'), ['worktree', 'list'])
      .trim()
      .split('\n');
    expect(list).toHaveLength(2); // the mirror and one slot, reused
    expect(existsSync(join(dir, 'pf', 'worktrees', 'p', 'slot-0', 'stray.txt'))).toBe(false);
    expect(existsSync(join(dir, 'pf', 'worktrees', 'p', 'slot-0.lock'))).toBe(false);
  });

  it('names the repository it cannot fetch', async () => {
    const { work, applier } = world();
    commitFiles(work, 'a: change', { 'a.txt': 'x\n' });
    await expect(
      applier.apply({
        project: 'p',
        gitUrl: '/nonexistent/repo.git',
        branch: 'master',
        workName: 'nowhere',
        patches: asPatches(formatPatches(work, 1)),
      }),
    ).rejects.toThrow(/cannot fetch \/nonexistent\/repo.git for project p/);
  });

  it('honours base-commit when the repository has it, and says so when it does not', async () => {
    const { work, upstream, applier } = world();
    const base = git(work, ['rev-parse', 'master']).trim();
    commitFiles(work, 'a: on the old base', { 'a.txt': 'one\n2\nthree\n' });
    const mails = formatPatches(work, 1);
    // master moves on; the series still names its base.
    const other = join(tempDir(), 'other');
    git(tempDir(), ['clone', '-q', upstream, other]);
    commitFiles(other, 'b: upstream change', { 'b.txt': 'moved\n' });
    git(other, ['push', '-q', 'origin', 'master']);
    const request = { project: 'p', gitUrl: upstream, branch: 'master', patches: asPatches(mails) };

    const known = await applier.apply({
      ...request,
      workName: 'k',
      baseCommit: base,
      pushTo: { branch: 'pf/k', force: true },
    });
    expect(known).toMatchObject({ ok: true, base, baseNote: null });
    const unknown = await applier.apply({
      ...request,
      workName: 'u',
      baseCommit: 'f'.repeat(40),
      pushTo: { branch: 'pf/u', force: true },
    });
    expect(unknown).toMatchObject({
      ok: true,
      base: git(upstream, ['rev-parse', 'master']).trim(),
      baseNote: `base-commit ${'f'.repeat(40)} is not in the repository; applied to the tip of master instead`,
    });
    // Neither touched the target branch: merge-request mode pushes to the series' own branch.
    expect(git(upstream, ['log', '-1', '--format=%s', 'master']).trim()).toBe('b: upstream change');
  });

  it('makes the same commits for the same series when asked to be reproducible, and force-pushes its branch', async () => {
    const { work, upstream, applier } = world();
    commitFiles(work, 'a: change', { 'a.txt': 'one\n2\nthree\n' });
    const request = {
      project: 'p',
      gitUrl: upstream,
      branch: 'master',
      workName: 'r',
      patches: asPatches(formatPatches(work, 1), [['Acked-by: Al <al@x>']]),
      pushTo: { branch: 'patchferry/master/a-change', force: true },
      reproducible: true,
    };
    const first = await applier.apply(request);
    await new Promise((r) => setTimeout(r, 1100)); // a second later: dates must not leak in
    const second = await applier.apply(request);
    expect(first.ok && second.ok && first.head === second.head).toBe(true);
    commitFiles(work, 'a: change again', { 'a.txt': 'one\n3\nthree\n' });
    const third = await applier.apply({ ...request, patches: asPatches(formatPatches(work, 2)) });
    expect(third.ok).toBe(true);
    expect(git(upstream, ['rev-parse', 'patchferry/master/a-change']).trim()).toBe(
      third.ok ? third.head : '',
    );
  });

  it('refuses a branch name git would refuse', async () => {
    const { work, upstream, applier } = world();
    commitFiles(work, 'a: change', { 'a.txt': 'x\n' });
    await expect(
      applier.apply({
        project: 'p',
        gitUrl: upstream,
        branch: 'master',
        workName: 'bad',
        patches: asPatches(formatPatches(work, 1)),
        pushTo: { branch: 'patchferry/master/bad..name', force: true },
      }),
    ).rejects.toThrow('"patchferry/master/bad..name" is not a valid branch name (git check-ref-format)');
  });

  it('keeps concurrent series of one project apart, each on its own branch', async () => {
    const { work, upstream, applier } = world();
    const series = [];
    for (let i = 0; i < 4; i++) {
      git(work, ['checkout', '-q', '-B', `t${i}`, 'master']);
      commitFiles(work, `file ${i}`, { [`f${i}.txt`]: `${i}\n` });
      series.push(formatPatches(work, 1));
    }
    const results = await Promise.all(
      series.map((mails, i) =>
        applier.apply({
          project: 'p',
          gitUrl: upstream,
          branch: 'master',
          workName: `c${i}`,
          patches: asPatches(mails),
          pushTo: { branch: `patchferry/master/c${i}`, force: true },
        }),
      ),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    for (let i = 0; i < 4; i++) {
      expect(git(upstream, ['log', '-1', '--format=%s', `patchferry/master/c${i}`]).trim()).toBe(`file ${i}`);
    }
  });

  it('shows what changed between two kept versions with range-diff', async () => {
    const { work, upstream, mirror, applier } = world();
    commitFiles(work, 'a: change', { 'a.txt': 'one\n2\nthree\n' });
    const v1 = formatPatches(work, 1);
    git(work, ['commit', '-q', '--amend', '-m', 'a: change, reworded']);
    const v2 = formatPatches(work, 1);
    const request = {
      project: 'p',
      gitUrl: upstream,
      branch: 'master',
      pushTo: { branch: 'pf/s', force: true },
    };
    await applier.apply({ ...request, workName: 'v1', patches: asPatches(v1), keepAs: 'series-v1@x' });
    await applier.apply({ ...request, workName: 'v2', patches: asPatches(v2), keepAs: 'series-v2@x' });
    const diff = await mirror.rangeDiff('p', upstream, 'series-v1@x', 'series-v2@x');
    expect(diff).toMatch(/1: +[0-9a-f]+ ! 1: +[0-9a-f]+ a: change/);
    expect(diff).toContain('+    a: change, reworded');
  });
});
