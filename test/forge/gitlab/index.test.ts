import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MergeRequests } from '@gitbeaker/rest';
import { gitlabForge } from '../../../src/forge/gitlab/index.ts';
import { ForgeError, type Forge } from '../../../src/ports/forge.ts';
import { forgeRepo } from '../../helpers/forge-repo.ts';
import { git } from '../../helpers/git.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { FakeGitLab } from '../../servers/gitlab.ts';

const PROJECT = 'virt/qemu';

describe('GitLab adapter through @gitbeaker/rest against the GitLab test server', () => {
  let server: FakeGitLab;
  let forge: Forge;
  let repo: ReturnType<typeof forgeRepo>;

  beforeEach(async () => {
    server = new FakeGitLab('glpat-test');
    repo = forgeRepo(tempDir());
    server.addProject(PROJECT, repo.bare);
    const url = await server.listen();
    forge = gitlabForge({ url, token: 'glpat-test' });
  });
  afterEach(async () => {
    await server.close();
  });

  const fields = { title: 'vl: fix crash', description: 'Fixes a crash.', targetBranch: 'master' };

  it('opens a merge request, finds it by source branch, and refuses a second one with 409', async () => {
    const sha = repo.pushBranch('patchferry/master/vl-fix-crash', 'fix.txt');
    const mr = await forge.open(PROJECT, 'patchferry/master/vl-fix-crash', fields);
    expect(mr).toMatchObject({
      number: 1,
      state: 'open',
      sourceBranch: 'patchferry/master/vl-fix-crash',
      targetBranch: 'master',
      title: 'vl: fix crash',
      description: 'Fixes a crash.',
      headSha: sha,
      mergeSha: null,
    });
    expect(mr.url).toMatch(/\/virt\/qemu\/-\/merge_requests\/1$/);
    // The project path travels URL-encoded, as GitLab wants it.
    expect(server.http.requests[0]?.path).toBe('/api/v4/projects/virt%2Fqemu/merge_requests');
    expect(await forge.findBySourceBranch(PROJECT, 'patchferry/master/vl-fix-crash')).toMatchObject({
      number: 1,
    });
    expect(await forge.findBySourceBranch(PROJECT, 'patchferry/master/other')).toBeNull();
    const err = await forge.open(PROJECT, 'patchferry/master/vl-fix-crash', fields).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForgeError);
    expect(err).toMatchObject({ code: 'forge_conflict', status: 409 });
    expect((err as Error).message).toContain(
      'Another open merge request already exists for this source branch: !1',
    );
  });

  it('updates, comments, closes, and finds the newest of several for one branch', async () => {
    repo.pushBranch('topic', 'a.txt');
    const first = await forge.open(PROJECT, 'topic', fields);
    expect(await forge.update(PROJECT, first.number, { title: 'v2: vl: fix crash' })).toMatchObject({
      title: 'v2: vl: fix crash',
      description: 'Fixes a crash.',
    });
    await forge.comment(PROJECT, first.number, 'v2 posted');
    expect(server.notes(PROJECT, first.number).map((n) => n.body)).toEqual(['v2 posted']);
    expect(await forge.close(PROJECT, first.number)).toMatchObject({ state: 'closed' });
    const second = await forge.open(PROJECT, 'topic', fields);
    expect(await forge.findBySourceBranch(PROJECT, 'topic')).toMatchObject({
      number: second.number,
      state: 'open',
    });
  });

  it('sees the merge a reviewer made, with the merge commit', async () => {
    repo.pushBranch('topic', 'b.txt');
    const mr = await forge.open(PROJECT, 'topic', fields);
    server.merge(PROJECT, mr.number);
    const merged = await forge.get(PROJECT, mr.number);
    expect(merged.state).toBe('merged');
    expect(merged.mergeSha).toBe(git(repo.bare, ['rev-parse', 'master']).trim());
  });

  it('finds the merge requests a push merged, by merge commit or by one of their commits, and no other', async () => {
    const topic = repo.pushBranch('topic', 'a.txt');
    const first = await forge.open(PROJECT, 'topic', fields);
    server.merge(PROJECT, first.number); // a fast-forward: the merge "commit" is the topic's head
    const other = repo.pushBranch('other', 'b.txt');
    const second = await forge.open(PROJECT, 'other', fields);
    server.merge(PROJECT, second.number); // master moved: a merge commit
    const merge = git(repo.bare, ['rev-parse', 'master']).trim();
    repo.pushBranch('open', 'c.txt');
    const open = await forge.open(PROJECT, 'open', fields);
    const openSha = git(repo.bare, ['rev-parse', 'open']).trim();

    expect((await forge.mergedWith(PROJECT, 'master', merge)).map((m) => [m.number, m.mergeSha])).toEqual([
      [second.number, merge],
    ]);
    expect((await forge.mergedWith(PROJECT, 'master', other)).map((m) => m.number)).toEqual([second.number]);
    expect((await forge.mergedWith(PROJECT, 'master', topic)).map((m) => m.number)).toEqual([first.number]);
    // GitLab relates the open one to its commit too; it is not merged, so not what a push merged.
    expect(await forge.mergedWith(PROJECT, 'master', openSha)).toEqual([]);
    expect(open.state).toBe('open');
    expect(await forge.mergedWith(PROJECT, 'stable-1.0', merge)).toEqual([]);
    expect(server.http.requests.at(-1)?.path).toBe(
      `/api/v4/projects/virt%2Fqemu/repository/commits/${merge}/merge_requests`,
    );
    const err = await forge.mergedWith(PROJECT, 'master', 'f'.repeat(40)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'forge_not_found', status: 404 });
  });

  it("sets commit statuses, taking GitLab's refusal to repeat a state as done", async () => {
    const sha = repo.pushBranch('topic', 'c.txt');
    await forge.setStatus(PROJECT, sha, { state: 'running', name: 'rpm/el9' });
    await forge.setStatus(PROJECT, sha, { state: 'running', name: 'rpm/el9' });
    await forge.setStatus(PROJECT, sha, {
      state: 'success',
      name: 'rpm/el9',
      url: 'http://127.0.0.1/repo',
      description: '3 RPMs',
    });
    expect(server.statuses(PROJECT).map((s) => s.status)).toEqual(['running', 'success']);
    expect(server.http.requests.filter((r) => r.status === 400)).toHaveLength(1);
  });

  it('names the token when it is refused, and the project when it is unknown', async () => {
    const bad = gitlabForge({ url: server.http.url, token: 'wrong' });
    await expect(bad.findBySourceBranch(PROJECT, 'x')).rejects.toMatchObject({
      code: 'forge_auth',
      message: expect.stringMatching(/401 Unauthorized.*check the token/),
    });
    await expect(forge.findBySourceBranch('virt/nope', 'x')).rejects.toMatchObject({
      code: 'forge_not_found',
      message: expect.stringContaining('404 Project Not Found'),
    });
  });

  it('comes through a 429 with Retry-After (gitbeaker retries it)', async () => {
    server.http.failNext({
      status: 429,
      body: { message: '429 Too Many Requests' },
      headers: { 'retry-after': '1' },
    });
    expect(await forge.findBySourceBranch(PROJECT, 'x')).toBeNull();
    expect(server.http.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('reports a validation error for a branch the repository does not have', async () => {
    await expect(forge.open(PROJECT, 'never-pushed', fields)).rejects.toMatchObject({
      code: 'forge_invalid',
      status: 422,
      message: expect.stringContaining('Source branch does not exist'),
    });
  });

  it('pages merge requests the way GitLab does, which gitbeaker follows to the end', async () => {
    for (let i = 0; i < 5; i++) {
      repo.pushBranch(`topic-${i}`, `p${i}.txt`);
      await forge.open(PROJECT, `topic-${i}`, fields);
    }
    const client = new MergeRequests({ host: server.http.url, token: 'glpat-test' });
    const all = await client.all({ projectId: PROJECT, perPage: 2 });
    expect(all.map((m) => m.iid)).toEqual([5, 4, 3, 2, 1]);
    expect(server.http.requests.filter((r) => r.method === 'GET').map((r) => r.status)).toEqual([
      200, 200, 200,
    ]);
  });

  it("reads every comment over several pages, oldest first and without GitLab's system notes, and edits one in place", async () => {
    repo.pushBranch('topic', 'n.txt');
    const mr = await forge.open(PROJECT, 'topic', fields);
    for (let i = 1; i <= 45; i++) {
      await forge.comment(PROJECT, mr.number, `comment ${i}`);
      // Each change of title makes GitLab add a system note between the comments.
      if (i % 9 === 0) await forge.update(PROJECT, mr.number, { title: `vl: fix crash (${i})` });
    }
    expect(server.allNotes(PROJECT, mr.number).filter((n) => n.system)).toHaveLength(5);

    const comments = await forge.comments(PROJECT, mr.number);
    expect(comments.map((c) => c.body)).toEqual(Array.from({ length: 45 }, (_, i) => `comment ${i + 1}`));
    // 50 notes at GitLab's 20 a page: gitbeaker followed the next links, asking for the oldest first.
    const reads = server.http.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/notes'));
    expect(
      reads.map((r) => [r.query.get('page') ?? '1', r.query.get('sort'), r.query.get('order_by')]),
    ).toEqual([
      ['1', 'asc', 'created_at'],
      ['2', 'asc', 'created_at'],
      ['3', 'asc', 'created_at'],
    ]);

    const seventh = comments[6];
    if (!seventh) throw new Error('no seventh comment');
    await forge.editComment(PROJECT, mr.number, seventh.id, 'comment 7, edited');
    expect(server.notes(PROJECT, mr.number).find((n) => n.id === seventh.id)?.body).toBe('comment 7, edited');
    // Edited in place: still the seventh, and still 45.
    const again = await forge.comments(PROJECT, mr.number);
    expect(again).toHaveLength(45);
    expect(again[6]).toEqual({ id: seventh.id, body: 'comment 7, edited' });
  });

  it('says the note is not found when editing one that does not exist', async () => {
    repo.pushBranch('topic', 'o.txt');
    const mr = await forge.open(PROJECT, 'topic', fields);
    const err = await forge.editComment(PROJECT, mr.number, 999_999, 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForgeError);
    expect(err).toMatchObject({ code: 'forge_not_found', status: 404 });
    expect((err as Error).message).toMatch(/edit note 999999 on !1 of virt\/qemu: 404 Not found/);
  });
});
