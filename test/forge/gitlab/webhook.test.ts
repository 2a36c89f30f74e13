import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gitlabForge } from '../../../src/forge/gitlab/index.ts';
import { gitlabWebhook } from '../../../src/forge/gitlab/webhook.ts';
import { startWebhookServer, type WebhookServer } from '../../../src/server/webhooks.ts';
import { silentLogger } from '../../../src/shared/log.ts';
import { forgeRepo } from '../../helpers/forge-repo.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { FakeGitLab } from '../../servers/gitlab.ts';

const PROJECT = 'virt/qemu';
const TOKEN = 'hook-token';

describe("GitLab's project webhooks over HTTP", () => {
  let gitlab: FakeGitLab;
  let server: WebhookServer;
  let merged: { repository: string; number: number; mergeSha: string | null }[];
  let failing: boolean;

  beforeEach(async () => {
    gitlab = new FakeGitLab('glpat-test');
    const repo = forgeRepo(tempDir());
    gitlab.addProject(PROJECT, repo.bare);
    const forge = gitlabForge({ url: await gitlab.listen(), token: 'glpat-test' });
    repo.pushBranch('topic', 'fix.txt');
    await forge.open(PROJECT, 'topic', { title: 't', description: 'd', targetBranch: 'master' });
    merged = [];
    failing = false;
    const handle = gitlabWebhook(
      TOKEN,
      {
        merged: async (event) => {
          if (failing) throw new Error('the database is locked');
          merged.push(event);
        },
      },
      silentLogger(),
    );
    server = await startWebhookServer({
      host: '127.0.0.1',
      port: 0,
      routes: [{ path: '/hooks', handle }],
      log: silentLogger(),
    });
  });
  afterEach(async () => {
    await server.close();
    await gitlab.close();
  });

  function post(body: unknown, headers: Record<string, string> = {}) {
    return fetch(`${server.url}/hooks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-gitlab-event': 'Merge Request Hook',
        'x-gitlab-token': TOKEN,
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  it('passes on the merge of a merge request, with its merge commit', async () => {
    const mr = gitlab.merge(PROJECT, 1);
    const response = await post(gitlab.mergeHook(PROJECT, 1));
    expect(response.status).toBe(200);
    expect(merged).toEqual([{ repository: PROJECT, number: 1, mergeSha: mr.merge_commit_sha }]);
  });

  it('acknowledges what it does not act on: other actions, other events', async () => {
    const update = gitlab.mergeHook(PROJECT, 1);
    expect(update.object_attributes.action).toBe('update');
    expect((await post(update)).status).toBe(200);
    gitlab.merge(PROJECT, 1);
    expect((await post(gitlab.mergeHook(PROJECT, 1), { 'x-gitlab-event': 'Note Hook' })).status).toBe(200);
    expect(merged).toEqual([]);
  });

  it('refuses a wrong token before reading the body, and a body that is not JSON', async () => {
    gitlab.merge(PROJECT, 1);
    const forged = await post(gitlab.mergeHook(PROJECT, 1), { 'x-gitlab-token': 'guess' });
    expect(forged.status).toBe(401);
    expect((await post('{"object_kind":')).status).toBe(400);
    expect((await fetch(`${server.url}/hooks`)).status).toBe(405);
    expect(merged).toEqual([]);
  });

  it('refuses a Merge Request Hook without the fields it reads, naming them', async () => {
    gitlab.merge(PROJECT, 1);
    const hook = gitlab.mergeHook(PROJECT, 1);
    const { iid: _iid, ...attributes } = hook.object_attributes;
    const response = await post({ ...hook, object_attributes: attributes });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(
      /^not a Merge Request Hook payload: object_attributes\.iid: .*expected number/,
    );
    expect(merged).toEqual([]);
  });

  it('answers 500 when the merge cannot be handled, so that GitLab shows the failed delivery', async () => {
    gitlab.merge(PROJECT, 1);
    failing = true;
    expect((await post(gitlab.mergeHook(PROJECT, 1))).status).toBe(500);
  });
});
