import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main, type Io } from '../../src/cli/main.ts';
import { githubWorld } from '../helpers/github-world.ts';
import { tempDir } from '../helpers/tmp.ts';
import type { FakeGitHub } from '../servers/github.ts';

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
    const out: string[] = [];
    let stop = () => {};
    const io: Io = {
      out: (l) => out.push(l),
      err: (l) => out.push(l),
      env,
      interrupted: () => new Promise<void>((resolve) => (stop = resolve)),
    };
    const serving = main(['serve', '--config', join(dir, 'patchferry.yml'), '--port', '0'], io);
    await until(() => github.pulls('virt/hello').length === 1);
    const endpoint = /at (http:\/\/\S+)/.exec(
      out.find((l) => l.startsWith('Receiving GitHub webhooks')) ?? '',
    )?.[1];
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

    const db = new DatabaseSync(join(dir, 'state.db'), { readOnly: true });
    // The merge is recorded and the build of master starts without waiting for mail or a poll.
    await until(
      () => Number(db.prepare(`SELECT count(*) AS n FROM builds WHERE branch = 'master'`).get()?.n) > 0,
    );
    db.close();
    expect(github.comments('virt/hello', 1).map((c) => c.body)).toEqual([
      expect.stringMatching(/^Merged as /),
    ]);
    stop();
    expect(await serving).toBe(0);
  }, 30_000);

  it('says what serve needs when the forge has no webhook secret', async () => {
    writeFileSync(
      join(dir, 'bare.yml'),
      `state: { database: s.db }\nworkDir: w\nsources: [{ type: mbox, path: x.mbox }]\nprojects: { hello: { git: /x, branches: [master], platforms: [el9] } }\nplatforms: { el9: { dist: .el9, arch: noarch } }\npublisher: { root: r, baseUrl: "http://127.0.0.1:1/" }\nreporter: { from: a@b.c, listAddress: l@b.c }\n`,
    );
    const err: string[] = [];
    const io: Io = { out: () => {}, err: (l) => err.push(l), env, interrupted: () => Promise.resolve() };
    expect(await main(['serve', '--config', join(dir, 'bare.yml')], io)).toBe(2);
    expect(err.join('\n')).toContain('forge.webhookSecretEnv');
  });
});

async function until(condition: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
