import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Octokit } from 'octokit';
import { githubForge } from '../../../src/forge/github/index.ts';
import { ForgeError, type Forge } from '../../../src/ports/forge.ts';
import { silentLogger } from '../../../src/shared/log.ts';
import { forgeRepo } from '../../helpers/forge-repo.ts';
import { git } from '../../helpers/git.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { FakeGitHub } from '../../servers/github.ts';

const REPO = 'virt/libvirt';

describe('GitHub adapter through octokit against the GitHub test server', () => {
  let server: FakeGitHub;
  let forge: Forge;
  let repo: ReturnType<typeof forgeRepo>;

  beforeEach(async () => {
    server = new FakeGitHub(['ghp-test']);
    repo = forgeRepo(tempDir());
    server.addRepo(REPO, repo.bare);
    const url = await server.listen();
    // Write spacing (1-3 s per write) is octokit's courtesy to github.com; off against a local server.
    forge = githubForge({ url, token: 'ghp-test', throttle: false, log: silentLogger() });
  });
  afterEach(async () => {
    await server.close();
  });

  const fields = { title: 'qemu: fix hotplug', description: 'Fixes hotplug.', targetBranch: 'master' };

  it('opens a pull request, finds it by head branch, and maps the duplicate 422 to the same conflict as a GitLab 409', async () => {
    const sha = repo.pushBranch('patchferry/master/qemu-fix-hotplug', 'fix.txt');
    const pr = await forge.open(REPO, 'patchferry/master/qemu-fix-hotplug', fields);
    expect(pr).toMatchObject({
      number: 1,
      state: 'open',
      headSha: sha,
      targetBranch: 'master',
      mergeSha: null,
    });
    expect(pr.url).toMatch(/\/virt\/libvirt\/pull\/1$/);
    expect(await forge.findBySourceBranch(REPO, 'patchferry/master/qemu-fix-hotplug')).toMatchObject({
      number: 1,
    });
    expect(await forge.findBySourceBranch(REPO, 'nothing')).toBeNull();
    const err = await forge.open(REPO, 'patchferry/master/qemu-fix-hotplug', fields).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForgeError);
    expect(err).toMatchObject({ code: 'forge_conflict', status: 422 });
    expect((err as Error).message).toContain(
      'A pull request already exists for virt:patchferry/master/qemu-fix-hotplug',
    );
  });

  it('updates, comments, closes, and sees a merge with its merge commit', async () => {
    repo.pushBranch('topic', 'a.txt');
    const pr = await forge.open(REPO, 'topic', fields);
    expect(await forge.update(REPO, pr.number, { description: 'v2' })).toMatchObject({
      description: 'v2',
      title: fields.title,
    });
    await forge.comment(REPO, pr.number, 'v2 posted');
    expect(server.comments(REPO, pr.number).map((c) => c.body)).toEqual(['v2 posted']);
    server.merge(REPO, pr.number);
    const merged = await forge.get(REPO, pr.number);
    expect(merged).toMatchObject({
      state: 'merged',
      mergeSha: git(repo.bare, ['rev-parse', 'master']).trim(),
    });

    repo.pushBranch('other', 'b.txt');
    const other = await forge.open(REPO, 'other', fields);
    expect(await forge.close(REPO, other.number)).toMatchObject({ state: 'closed', mergeSha: null });
  });

  it('finds the pull request a push merged, on the default branch and, through the closed ones, on another', async () => {
    repo.pushBranch('topic', 'a.txt');
    const first = await forge.open(REPO, 'topic', fields);
    repo.pushBranch('other', 'b.txt');
    const second = await forge.open(REPO, 'other', fields);
    server.merge(REPO, first.number);
    server.merge(REPO, second.number);
    const merge = git(repo.bare, ['rev-parse', 'master']).trim();
    expect((await forge.mergedWith(REPO, 'master', merge)).map((p) => [p.number, p.mergeSha])).toEqual([
      [second.number, merge],
    ]);
    expect(server.http.requests.at(-1)?.path).toBe(`/repos/virt/libvirt/commits/${merge}/pulls`);

    // Outside the default branch GitHub names only open pull requests for a commit.
    git(repo.bare, ['branch', 'stable', 'master~2']);
    repo.pushBranch('backport', 'c.txt');
    const backport = await forge.open(REPO, 'backport', { ...fields, targetBranch: 'stable' });
    server.merge(REPO, backport.number);
    const onStable = git(repo.bare, ['rev-parse', 'stable']).trim();
    expect((await forge.mergedWith(REPO, 'stable', onStable)).map((p) => p.number)).toEqual([
      backport.number,
    ]);
    expect(await forge.mergedWith(REPO, 'master', onStable)).toEqual([]);
  });

  it("sets commit statuses with GitHub's states", async () => {
    const sha = repo.pushBranch('topic', 'c.txt');
    await forge.setStatus(REPO, sha, { state: 'running', name: 'rpm/el9' });
    await forge.setStatus(REPO, sha, { state: 'failed', name: 'rpm/el9', description: 'build failed' });
    expect(server.statuses(REPO).map((s) => [s.context, s.state])).toEqual([
      ['rpm/el9', 'pending'],
      ['rpm/el9', 'failure'],
    ]);
  });

  it('names the token on 401 and the repository on 404', async () => {
    const bad = githubForge({ url: server.http.url, token: 'nope', throttle: false, log: silentLogger() });
    await expect(bad.findBySourceBranch(REPO, 'x')).rejects.toMatchObject({
      code: 'forge_auth',
      message: expect.stringMatching(/Bad credentials.*check the token/),
    });
    await expect(forge.findBySourceBranch('virt/nope', 'x')).rejects.toMatchObject({
      code: 'forge_not_found',
    });
    await expect(forge.findBySourceBranch('not-a-repo', 'x')).rejects.toMatchObject({
      code: 'forge_invalid',
    });
  });

  it("waits out a rate limit as octokit's throttling is told to, then succeeds", async () => {
    const throttled = githubForge({ url: server.http.url, token: 'ghp-test', log: silentLogger() });
    server.http.failNext({
      status: 429,
      body: {
        message: 'API rate limit exceeded for installation.',
        documentation_url: 'https://docs.github.com/rest',
      },
      headers: {
        'retry-after': '1',
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-used': '5000',
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 1),
        'x-ratelimit-resource': 'core',
      },
    });
    expect(await throttled.findBySourceBranch(REPO, 'x')).toBeNull();
    expect(server.http.requests.map((r) => r.status)).toEqual([429, 200]);
  }, 15_000);

  it('pages pull requests with link headers only when there is more than one page, as GitHub does', async () => {
    for (let i = 0; i < 5; i++) {
      repo.pushBranch(`topic-${i}`, `p${i}.txt`);
      await forge.open(REPO, `topic-${i}`, fields);
    }
    const octokit = new Octokit({ auth: 'ghp-test', baseUrl: server.http.url, throttle: { enabled: false } });
    const all = await octokit.paginate(octokit.rest.pulls.list, {
      owner: 'virt',
      repo: 'libvirt',
      per_page: 2,
    });
    expect(all.map((p) => p.number)).toEqual([1, 2, 3, 4, 5]);
    const single = await octokit.rest.pulls.list({ owner: 'virt', repo: 'libvirt', per_page: 10 });
    expect(single.headers.link).toBeUndefined();
  });

  it('reads every comment over several pages, oldest first, and edits one in place', async () => {
    repo.pushBranch('topic', 'n.txt');
    const pr = await forge.open(REPO, 'topic', fields);
    await forge.comment(REPO, pr.number, 'patchferry: v1 posted');
    // Reviewers say a lot: more than the 100 a page the adapter asks for.
    for (let i = 1; i <= 230; i++) server.writeComment(REPO, pr.number, `review ${i}`, 'reviewer');

    const comments = await forge.comments(REPO, pr.number);
    expect(comments).toHaveLength(231);
    expect(comments[0]?.body).toBe('patchferry: v1 posted');
    expect(comments.at(-1)?.body).toBe('review 230');
    const reads = server.http.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/comments'));
    expect(reads.map((r) => [r.query.get('page') ?? '1', r.query.get('per_page')])).toEqual([
      ['1', '100'],
      ['2', '100'],
      ['3', '100'],
    ]);

    const own = comments[0];
    if (!own) throw new Error('no comment');
    await forge.editComment(REPO, pr.number, own.id, 'patchferry: v1 built');
    expect(server.comments(REPO, pr.number)[0]).toMatchObject({ id: own.id, body: 'patchferry: v1 built' });
    expect((await forge.comments(REPO, pr.number))[0]).toEqual({ id: own.id, body: 'patchferry: v1 built' });
  });

  it('says the comment is not found when editing one that does not exist', async () => {
    repo.pushBranch('topic', 'o.txt');
    const pr = await forge.open(REPO, 'topic', fields);
    const err = await forge.editComment(REPO, pr.number, 424_242, 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForgeError);
    expect(err).toMatchObject({ code: 'forge_not_found', status: 404 });
    expect((err as Error).message).toContain('edit comment 424242 on #1 of virt/libvirt');
  });
});
