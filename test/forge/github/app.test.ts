import { createHmac } from 'node:crypto';
import { Probot, ProbotOctokit } from 'probot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.ts';
import { createContext } from '../../../src/runtime/context.ts';
import { mergeRequestMerged, report, sync } from '../../../src/runtime/index.ts';
import { githubApp } from '../../../src/forge/github/app.ts';
import { silentLogger } from '../../../src/shared/log.ts';
import { githubWorld } from '../../helpers/forge-world.ts';
import { tempDir } from '../../helpers/tmp.ts';
import type { FakeGitHub } from '../../servers/github.ts';

const SECRET = 'webhook-secret';

/** The comments on a pull request, without patchferry's status note (edited in place). */
function notes(github: FakeGitHub, number: number): string[] {
  return github
    .comments('virt/hello', number)
    .map((c) => c.body)
    .filter((b) => !b.includes('patchferry-status'));
}

function statusNote(github: FakeGitHub, number: number): string | undefined {
  return github
    .comments('virt/hello', number)
    .map((c) => c.body)
    .find((b) => b.includes('patchferry-status'));
}

describe('the GitHub App (probot) against the GitHub test server', () => {
  let github: FakeGitHub;
  let configFile: string;
  const env = { GH_TOKEN: 'ghs-installation' };

  beforeEach(async () => {
    ({ github, configFile } = await githubWorld(tempDir(), 'ghs-installation'));
  });
  afterEach(async () => {
    await github.close();
  });

  /** The app as probot runs it, its installation client pointed at the test server. */
  async function probot() {
    const bot = new Probot({
      githubToken: 'ghs-installation',
      secret: SECRET,
      Octokit: ProbotOctokit.defaults({
        baseUrl: github.http.url,
        retry: { enabled: false },
        throttle: { enabled: false },
      }),
      logLevel: 'fatal',
    });
    const ctx = await createContext(loadConfig(configFile), silentLogger(), env);
    await bot.load(
      githubApp(
        {
          merged: (event) => {
            mergeRequestMerged(ctx, event);
            return Promise.resolve();
          },
        },
        silentLogger(),
      ),
    );
    return { bot, ctx };
  }

  function deliver(bot: Probot, payload: object, secret = SECRET) {
    const body = JSON.stringify(payload);
    const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    return bot.webhooks.verifyAndReceive({
      id: `delivery-${Date.now()}`,
      name: 'pull_request',
      payload: body,
      signature,
    });
  }

  it('records the merge of its pull request from the signed webhook and says so on it', async () => {
    const first = await createContext(loadConfig(configFile), silentLogger(), env);
    const s = await sync(first);
    first.store.close();
    expect(s.proposed).toMatchObject([{ action: 'opened' }]);
    const payload = github.merge('virt/hello', 1);

    const { bot, ctx } = await probot();
    await deliver(bot, payload);
    expect(ctx.store.series.unbuiltBranches()).toEqual([{ project: 'hello', branch: 'master' }]);
    // The comment goes out through the outbox, with the next delivery of effects.
    await report(ctx);
    expect(notes(github, 1)).toEqual([
      expect.stringMatching(/^Merged as [0-9a-f]{12}\. patchferry builds `master` for el9 next/),
    ]);
    expect(statusNote(github, 1)).toMatch(/- \[x\] merged into `master` as [0-9a-f]{12}/);
    // GitHub redelivers: nothing happens twice.
    await deliver(bot, payload);
    await report(ctx);
    expect(github.comments('virt/hello', 1)).toHaveLength(2);
    ctx.store.close();
  });

  it('leaves pull requests that are not its own alone, and refuses a forged signature', async () => {
    const { bot, ctx } = await probot();
    const foreign = {
      action: 'closed',
      number: 7,
      pull_request: { number: 7, merged: true, merge_commit_sha: 'a'.repeat(40), body: 'by hand' },
      repository: { full_name: 'virt/hello', name: 'hello', owner: { login: 'virt' } },
      installation: { id: 1 },
    };
    await deliver(bot, foreign);
    expect(github.http.requests).toEqual([]);
    await expect(deliver(bot, foreign, 'wrong-secret')).rejects.toThrow(/signature does not match/);
    ctx.store.close();
  });

  it('refuses a closed pull request delivery without the fields it reads, naming them', async () => {
    const { bot, ctx } = await probot();
    const broken = {
      action: 'closed',
      number: 1,
      pull_request: { merged: true, body: 'no number here' },
      repository: { full_name: 'virt/hello', name: 'hello', owner: { login: 'virt' } },
      installation: { id: 1 },
    };
    const err = await deliver(bot, broken).catch((e: unknown) => e);
    // probot gathers what the event's handlers threw.
    expect(err).toBeInstanceOf(AggregateError);
    expect((err as AggregateError).errors).toEqual([
      expect.objectContaining({
        code: 'forge_invalid',
        message: expect.stringContaining('pull_request.number: Invalid input: expected number'),
      }),
    ]);
    expect(github.http.requests).toEqual([]);
    ctx.store.close();
  });
});
