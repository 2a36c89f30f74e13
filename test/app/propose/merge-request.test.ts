import { appendFileSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.ts';
import { createContext, type Context } from '../../../src/runtime/context.ts';
import { sync } from '../../../src/app/stages.ts';
import { parseSeriesFooter } from '../../../src/render/merge-request.ts';
import { silentLogger } from '../../../src/shared/log.ts';
import { commitFiles, git, uniqueIds } from '../../helpers/git.ts';
import { forgeRepo, mergeRequestConfig } from '../../helpers/forge-repo.ts';
import { queuedMail } from '../../helpers/outbox.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { FakeGitHub } from '../../servers/github.ts';
import { FakeGitLab } from '../../servers/gitlab.ts';

/** A project hosted on a forge (a bare repository the test server serves), a developer's clone
 * that mails series into an mbox, and a configuration in merge-request mode. */
function world(forgeYaml: string) {
  const dir = tempDir();
  const repo = forgeRepo(join(dir, 'hosted'));
  git(repo.work, ['branch', 'stable-1.0', 'master']);
  git(repo.work, ['push', '-q', 'origin', 'stable-1.0']);
  const mbox = join(dir, 'list.mbox');
  writeFileSync(mbox, '');
  const configFile = join(dir, 'patchferry.yml');
  writeFileSync(
    configFile,
    mergeRequestConfig(repo.bare, forgeYaml, {
      branches: ['master', 'stable-1.0'],
      archiveUrl: 'https://lore.example.org/virt/{messageId}/',
    }),
  );
  let n = 0;
  return {
    dir,
    repo,
    /** Mails a series of `count` commits on top of `from`; returns the cover letter's Message-ID. */
    send(options: {
      version?: number;
      inReplyTo?: string;
      count?: number;
      from?: string;
      branch?: string;
      change?: string;
      /** Write git's base-commit: line (default yes). */
      base?: boolean;
    }) {
      const count = options.count ?? 2;
      git(repo.work, ['checkout', '-q', '-B', `dev${++n}`, options.from ?? 'master']);
      for (let i = 1; i <= count; i++) {
        commitFiles(repo.work, `hello: step ${i}${options.change ?? ''}`, {
          [`step${i}.txt`]: `step ${i}${options.change ?? ''}\n`,
        });
      }
      const args = [
        'format-patch',
        '--stdout',
        '--thread=shallow',
        '--cover-letter',
        '--numbered',
        `-${count}`,
        `--subject-prefix=${options.branch ?? 'master'} PATCH hello`,
        '--to=list@example.org',
        ...(options.base === false ? [] : ['--base=auto']),
        ...(options.version ? [`-v${options.version}`] : []),
        ...(options.inReplyTo ? [`--in-reply-to=<${options.inReplyTo}>`] : []),
      ];
      git(repo.work, ['branch', '-q', '--set-upstream-to', options.from ?? 'master']);
      const mails = uniqueIds(git(repo.work, args))
        .replace('*** SUBJECT HERE ***', 'hello: steps')
        .replace('*** BLURB HERE ***', 'Adds the steps.');
      appendFileSync(mbox, mails);
      git(repo.work, ['checkout', '-q', 'master']);
      return /^Message-I[dD]: <([^>]+)>/m.exec(mails)?.[1] ?? '';
    },
    open: (env: NodeJS.ProcessEnv): Promise<Context> =>
      createContext(loadConfig(configFile), silentLogger(), env),
  };
}

/** The notes on a merge request, without patchferry's status note (one per version, edited in place). */
function comments(server: FakeGitLab, number: number) {
  return server.notes('virt/hello', number).filter((n) => !n.body.includes('patchferry-status'));
}

async function once(w: ReturnType<typeof world>, env: NodeJS.ProcessEnv) {
  const ctx = await w.open(env);
  try {
    return await sync(ctx);
  } finally {
    ctx.store.close();
  }
}

describe('merge-request mode against the GitLab test server', () => {
  let server: FakeGitLab;
  let w: ReturnType<typeof world>;
  const env = { GL_TOKEN: 'glpat-test' };

  beforeEach(async () => {
    server = new FakeGitLab('glpat-test');
    const url = await server.listen();
    w = world(`forge: { type: gitlab, url: "${url}", tokenEnv: GL_TOKEN }`);
    server.addProject('virt/hello', w.repo.bare);
  });
  afterEach(async () => {
    await server.close();
  });

  it('opens one MR per series, follows v2 on the same MR with a range-diff, and sees the merge', async () => {
    const v1 = w.send({});
    const first = await once(w, env);
    expect(first.proposed).toMatchObject([
      { action: 'opened', sourceBranch: 'patchferry/master/hello-steps', branch: 'master' },
    ]);
    const [mr] = server.mergeRequests('virt/hello');
    expect(mr).toMatchObject({
      iid: 1,
      title: 'hello: steps',
      target_branch: 'master',
      source_branch: 'patchferry/master/hello-steps',
    });
    expect(mr?.description).toContain('Adds the steps.');
    expect(mr?.description).toContain(`Thread: https://lore.example.org/virt/${encodeURIComponent(v1)}/`);
    expect(mr?.description).toMatch(/1\. hello: step 1 \(\[mail\]/);
    expect(parseSeriesFooter(mr?.description ?? '')).toMatchObject({ series: v1, version: 1 });
    expect(git(w.repo.bare, ['log', '--format=%s', 'patchferry/master/hello-steps', '-3'])).toBe(
      'hello: step 2\nhello: step 1\nadd README\n'.replace('add README', 'initial'),
    );
    // The target branch is untouched until a reviewer merges.
    expect(git(w.repo.bare, ['rev-list', '--count', 'master']).trim()).toBe('1');

    // Nothing new: nothing opened, nothing commented, nothing pushed.
    const tip = git(w.repo.bare, ['rev-parse', 'patchferry/master/hello-steps']);
    const again = await once(w, env);
    expect(again.proposed).toEqual([]);
    expect(server.mergeRequests('virt/hello')).toHaveLength(1);
    expect(git(w.repo.bare, ['rev-parse', 'patchferry/master/hello-steps'])).toBe(tip);

    // Version 2, in reply to version 1, changes the second patch.
    w.send({ version: 2, inReplyTo: v1, change: ' (reworded)' });
    const second = await once(w, env);
    expect(second.proposed).toMatchObject([
      { action: 'updated', sourceBranch: 'patchferry/master/hello-steps' },
    ]);
    expect(server.mergeRequests('virt/hello')).toHaveLength(1);
    const [note] = comments(server, 1);
    expect(note?.body).toMatch(/^\*\*v2 posted\*\* \(2 patches\)/);
    expect(note?.body).toContain('```diff');
    expect(note?.body).toContain('hello: step 1 (reworded)');
    expect(parseSeriesFooter(server.mergeRequests('virt/hello')[0]?.description ?? '')).toMatchObject({
      version: 2,
    });
    expect(git(w.repo.bare, ['log', '-1', '--format=%s', 'patchferry/master/hello-steps']).trim()).toBe(
      'hello: step 2 (reworded)',
    );

    // A reviewer merges in the web UI; the next sync sees it and records the target branch as changed.
    server.merge('virt/hello', 1);
    const third = await once(w, env);
    expect(third.merged).toMatchObject([{ commit: git(w.repo.bare, ['rev-parse', 'master']).trim() }]);
    const ctx = await w.open(env);
    expect(ctx.store.series.unbuiltBranches()).toEqual([{ project: 'hello', branch: 'master' }]);
    ctx.store.close();
  });

  it('changes nothing for a resend with identical content', async () => {
    git(w.repo.work, ['checkout', '-q', '-b', 'fix', 'master']);
    commitFiles(w.repo.work, 'hello: fix typo', { 'typo.txt': 'fixed\n' });
    const mail = (prefix: string) =>
      git(w.repo.work, [
        'format-patch',
        '--stdout',
        '-1',
        `--subject-prefix=${prefix}`,
        '--to=list@example.org',
      ]);
    appendFileSync(join(w.dir, 'list.mbox'), mail('master PATCH hello'));
    const first = await once(w, env);
    expect(first.proposed).toMatchObject([
      { action: 'opened', sourceBranch: 'patchferry/master/hello-fix-typo' },
    ]);
    const tip = git(w.repo.bare, ['rev-parse', 'patchferry/master/hello-fix-typo']);
    // The developer resends the same commit: same patch and dates, a new Message-ID.
    appendFileSync(join(w.dir, 'list.mbox'), mail('master PATCH hello RESEND'));
    const s = await once(w, env);
    expect(s.newMails).toBe(1);
    expect(s.proposed).toEqual([]);
    expect(s.resends).toMatchObject([{ of: first.proposed[0]?.series }]);
    expect(server.mergeRequests('virt/hello')).toHaveLength(1);
    expect(comments(server, 1)).toEqual([]);
    expect(git(w.repo.bare, ['rev-parse', 'patchferry/master/hello-fix-typo'])).toBe(tip);
  });

  it("describes a forwarded patch by its commit message, without the author's in-body From line", async () => {
    git(w.repo.work, ['checkout', '-q', '-b', 'forwarded', 'master']);
    commitFiles(
      w.repo.work,
      'hello: greet politely\n\nSay hello before anything else.',
      { 'greet.txt': 'hello\n' },
      { name: 'Ada Author', email: 'ada@example.org' },
    );
    const mail = git(w.repo.work, [
      'format-patch',
      '--stdout',
      '-1',
      '--subject-prefix=master PATCH hello',
      '--from=Sam Sender <sam@example.org>',
      '--to=list@example.org',
    ]);
    expect(mail).toMatch(/^From: Ada Author <ada@example.org>$/m);
    appendFileSync(join(w.dir, 'list.mbox'), mail);
    git(w.repo.work, ['checkout', '-q', 'master']);
    await once(w, env);
    const description = server.mergeRequests('virt/hello')[0]?.description ?? '';
    expect(description.startsWith('Say hello before anything else.\n')).toBe(true);
    expect(description).not.toContain('From: Ada');
    expect(
      git(w.repo.bare, ['log', '-1', '--format=%an', 'patchferry/master/hello-greet-politely']).trim(),
    ).toBe('Ada Author');
  });

  it('follows a lone v3 2/2 answering v2 in a later run: that part replaced, the others kept with their trailers', async () => {
    w.send({ version: 2 });
    const mbox = join(w.dir, 'list.mbox');
    const part = (n: number) => {
      const mail = readFileSync(mbox, 'utf8')
        .split(/^(?=From [0-9a-f]{40} )/m)
        .find((m) => m.includes(` ${n}/2] `));
      return /^Message-I[dD]: <([^>]+)>/m.exec(mail ?? '')?.[1] ?? '';
    };
    const [p1, p2] = [part(1), part(2)];
    appendFileSync(
      mbox,
      `From rita Thu Jan  1 00:00:00 2026\nFrom: Rita <rita@example.org>\nSubject: Re: [master PATCH hello v2 1/2] hello: step 1\nMessage-ID: <review-1@example.org>\nIn-Reply-To: <${p1}>\nReferences: <${p1}>\nDate: Thu, 01 Jan 2026 00:00:00 +0000\n\nLooks good.\n\nReviewed-by: Rita <rita@example.org>\n\n`,
    );
    const first = await once(w, env);
    expect(first.proposed).toMatchObject([{ action: 'opened' }]);

    // The developer reworks patch 2 only and sends it alone, in reply to v2's 2/2.
    git(w.repo.work, ['checkout', '-q', 'dev1']);
    writeFileSync(join(w.repo.work, 'step2.txt'), 'step 2, reworked\n');
    git(w.repo.work, ['commit', '-q', '-a', '--amend', '-m', 'hello: step 2, reworked']);
    const lone = uniqueIds(
      git(w.repo.work, [
        'format-patch',
        '--stdout',
        '--thread',
        '-1',
        `--in-reply-to=<${p2}>`,
        '--subject-prefix=master PATCH hello v3',
      ]),
    ).replace(/^Subject: \[master PATCH hello v3\]/m, 'Subject: [master PATCH hello v3 2/2]');
    git(w.repo.work, ['checkout', '-q', 'master']);
    appendFileSync(mbox, lone);
    const second = await once(w, env);
    expect(second.incomplete).toEqual([]);
    expect(second.proposed).toMatchObject([
      { action: 'updated', sourceBranch: first.proposed[0]?.sourceBranch },
    ]);
    const branch = first.proposed[0]?.sourceBranch ?? '';
    expect(
      git(w.repo.bare, ['log', '--format=%s', `${branch}`, '-2'])
        .trim()
        .split('\n'),
    ).toEqual(['hello: step 2, reworked', 'hello: step 1']);
    expect(git(w.repo.bare, ['log', '-1', '--format=%(trailers:only,unfold)', `${branch}~1`]).trim()).toBe(
      'Reviewed-by: Rita <rita@example.org>',
    );
    expect(comments(server, 1).map((n) => n.body)).toEqual([expect.stringMatching(/^\*\*v3 posted\*\*/)]);
  });

  it('closes the old MR with a comment when the new version goes to another branch', async () => {
    const v1 = w.send({});
    await once(w, env);
    w.send({ version: 2, inReplyTo: v1, branch: 'stable-1.0', from: 'stable-1.0' });
    const s = await once(w, env);
    expect(s.proposed).toMatchObject([
      { action: 'opened', branch: 'stable-1.0', sourceBranch: 'patchferry/stable-1.0/hello-steps' },
    ]);
    const [old, fresh] = server.mergeRequests('virt/hello');
    expect(old?.state).toBe('closed');
    expect(fresh).toMatchObject({ state: 'opened', target_branch: 'stable-1.0' });
    expect(comments(server, 1).map((n) => n.body)).toEqual([
      expect.stringMatching(/^Superseded: version 2 of this series targets `stable-1.0`/),
    ]);
  });

  it('finds the MR by its branch when the database was lost, and opens nothing twice', async () => {
    w.send({});
    await once(w, env);
    // The whole state database is gone: the mail is read again, the MR found by its branch.
    for (const file of readdirSync(w.dir).filter((f) => f.startsWith('state.db'))) rmSync(join(w.dir, file));
    const again = await once(w, env);
    expect(again.proposed).toMatchObject([{ action: 'unchanged' }]);
    expect(server.mergeRequests('virt/hello')).toHaveLength(1);
    expect(comments(server, 1)).toEqual([]);
  });

  it('reports a series that does not apply on the list and opens no MR', async () => {
    w.send({ count: 1, base: false });
    // master moves under the series: the same file now holds something else.
    commitFiles(w.repo.work, 'conflicting change', { 'step1.txt': 'other\n' });
    git(w.repo.work, ['push', '-q', 'origin', 'master']);
    const s = await once(w, env);
    expect(s.failed).toMatchObject([{ part: 1 }]);
    expect(server.mergeRequests('virt/hello')).toEqual([]);
    const ctx = await w.open(env);
    const [report] = queuedMail(ctx.store);
    ctx.store.close();
    expect(report?.body).toContain('Conflicting files:');
    expect(report?.body).toContain('step1.txt');
  });
});

describe('merge-request mode against the GitHub test server', () => {
  it('opens a pull request for a series and updates it for v2', async () => {
    const server = new FakeGitHub(['ghp-test']);
    const url = await server.listen();
    try {
      const w = world(`forge: { type: github, url: "${url}", tokenEnv: GH_TOKEN }`);
      server.addRepo('virt/hello', w.repo.bare);
      const env = { GH_TOKEN: 'ghp-test' };
      const v1 = w.send({});
      expect((await once(w, env)).proposed).toMatchObject([{ action: 'opened' }]);
      w.send({ version: 2, inReplyTo: v1, change: ' (v2)' });
      expect((await once(w, env)).proposed).toMatchObject([{ action: 'updated' }]);
      expect(server.pulls('virt/hello')).toHaveLength(1);
      const comments = server.comments('virt/hello', 1).map((c) => c.body);
      expect(comments.filter((c) => !c.includes('patchferry-status'))).toEqual([
        expect.stringMatching(/^\*\*v2 posted\*\*/),
      ]);
      // One status note per version, each edited in place.
      expect(comments.filter((c) => c.includes('patchferry-status'))).toEqual([
        expect.stringMatching(/^\*\*patchferry status\*\*, version 1 /),
        expect.stringMatching(/^\*\*patchferry status\*\*, version 2 /),
      ]);
    } finally {
      await server.close();
    }
  });
});
