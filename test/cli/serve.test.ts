import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main, type Io } from '../../src/cli/main.ts';
import { githubWorld, gitlabWorld } from '../helpers/forge-world.ts';
import { tempDir } from '../helpers/tmp.ts';
import type { FakeGitHub } from '../servers/github.ts';
import { until as waitUntil } from '../helpers/until.ts';

describe('patchferry serve', () => {
  let github: FakeGitHub;
  let dir: string;
  const env = { GH_TOKEN: 'ghs-token', GH_WEBHOOK_SECRET: 'hook-secret', PATCHFERRY_LOG_LEVEL: 'silent' };

  beforeEach(async () => {
    dir = tempDir();
    ({ github } = await githubWorld(dir, 'ghs-token', 'GH_WEBHOOK_SECRET'));
  });
  afterEach(async () => {
    await github.close();
  });

  it('proposes the series from the list, then builds at once when the signed merge webhook arrives', async () => {
    const server = serve(join(dir, 'patchferry.yml'), env);
    await until(() => github.pulls('virt/hello').length === 1);
    const endpoint = server.endpoint('GitHub');
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/github\/webhooks$/);

    const body = JSON.stringify(github.merge('virt/hello', 1));
    const sign = (secret: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    const post = (signature: string) =>
      fetch(endpoint ?? '', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'pull_request',
          'x-github-delivery': `d-${Date.now()}`,
          'x-hub-signature-256': signature,
        },
        body,
      });
    expect((await post(sign('forged'))).status).toBeGreaterThanOrEqual(400);
    expect((await post(sign('hook-secret'))).status).toBe(200);

    // The merge is recorded and the build of master starts without waiting for mail or a poll.
    await untilMasterBuilds(join(dir, 'state.db'));
    expect(
      github
        .comments('virt/hello', 1)
        .map((c) => c.body)
        .filter((b) => !b.includes('patchferry-status')),
    ).toEqual([expect.stringMatching(/^Merged as /)]);
    server.stop();
    expect(await server.serving).toBe(0);
  }, 30_000);

  it('receives GitLab merge webhooks with the right X-Gitlab-Token and builds at once', async () => {
    const gdir = tempDir();
    const { gitlab, configFile, env: glEnv } = await gitlabWorld(gdir, 'glpat-token', 'GL_HOOK_TOKEN');
    try {
      const server = serve(configFile, {
        ...glEnv,
        GL_HOOK_TOKEN: 'hook-token',
        PATCHFERRY_LOG_LEVEL: 'silent',
      });
      await until(() => gitlab.mergeRequests('virt/hello').length === 1);
      const endpoint = server.endpoint('GitLab');
      expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/gitlab\/webhooks$/);

      gitlab.merge('virt/hello', 1);
      const post = (token: string, event = 'Merge Request Hook') =>
        fetch(endpoint ?? '', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-gitlab-event': event, 'x-gitlab-token': token },
          body: JSON.stringify(gitlab.mergeHook('virt/hello', 1)),
        });
      expect((await post('forged')).status).toBe(401);
      expect((await post('hook-token', 'Note Hook')).status).toBe(200); // acknowledged, not acted on
      // Only the status note patchferry keeps on the MR (received, applied) is there.
      expect(gitlab.notes('virt/hello', 1).map((n) => n.body)).toEqual([
        expect.stringContaining('patchferry-status'),
      ]);
      expect((await post('hook-token')).status).toBe(200);

      await untilMasterBuilds(join(gdir, 'state.db'));
      expect(gitlab.notes('virt/hello', 1).map((n) => n.body)).toContainEqual(
        expect.stringMatching(/^Merged as /),
      );
      server.stop();
      expect(await server.serving).toBe(0);
    } finally {
      await gitlab.close();
    }
  }, 30_000);
});

/** Waits for what the loop does; runs take seconds here. */
function until(condition: () => boolean, ms = 15_000): Promise<void> {
  return waitUntil(condition, ms);
}

/** `patchferry serve` on a free port until `stop()`; `endpoint` is the webhook URL it announced. */
function serve(configFile: string, env: NodeJS.ProcessEnv) {
  const out: string[] = [];
  let stop = () => {};
  const io: Io = {
    out: (l) => out.push(l),
    err: (l) => out.push(l),
    env,
    interrupted: () => new Promise<void>((resolve) => (stop = resolve)),
  };
  const serving = main(['serve', '--config', configFile, '--port', '0'], io);
  return {
    serving,
    stop: () => stop(),
    endpoint: (forge: 'GitHub' | 'GitLab') =>
      /at (http:\/\/\S+)/.exec(out.find((l) => l.startsWith(`Receiving ${forge} webhooks`)) ?? '')?.[1],
  };
}

/** Waits until the database at `file` records a build of master. */
async function untilMasterBuilds(file: string): Promise<void> {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    await until(
      () => Number(db.prepare(`SELECT count(*) AS n FROM builds WHERE branch = 'master'`).get()?.n) > 0,
    );
  } finally {
    db.close();
  }
}
