import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type Io } from '../../src/cli/main.ts';
import { dovecotAvailable, startDovecot, type Dovecot } from '../helpers/dovecot.ts';
import { makeListWorld } from '../helpers/list-world.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';

const available = dovecotAvailable();

describe.skipIf(!available)('patchferry serve on an IMAP mailbox', () => {
  let dovecot: Dovecot;
  beforeAll(async () => {
    dovecot = await startDovecot();
  }, 30_000);
  afterAll(async () => {
    await dovecot?.destroy();
  });

  it('is ready while the mailbox is connected, not while its server is down, and ready again after', async () => {
    await dovecot.folder('readyz');
    const world = makeListWorld(tempDir(), dovecot, 'readyz');
    const out: string[] = [];
    let stop = () => {};
    const io: Io = {
      out: (l) => out.push(l),
      err: (l) => out.push(l),
      env: { ...world.env, PATCHFERRY_LOG_LEVEL: 'silent' },
      interrupted: () => new Promise<void>((resolve) => (stop = resolve)),
    };
    const serving = main(['serve', '--config', world.configFile, '--port', '0'], io);
    await until(() => out.some((l) => l.startsWith('Console, ')), 10_000);
    const url = /at (http:\/\/\S+)\/$/.exec(out.find((l) => l.startsWith('Console, ')) ?? '')?.[1] ?? '';
    const ready = async () => {
      const r = await fetch(`${url}/readyz`);
      return {
        status: r.status,
        body: (await r.json()) as { checks: { mailboxes: { connected: boolean }[] } },
      };
    };
    await waitFor(async () => (await ready()).status === 200);
    expect((await ready()).body.checks.mailboxes).toEqual([{ source: expect.any(String), connected: true }]);

    await dovecot.stop();
    await waitFor(async () => (await ready()).status === 503);
    expect((await ready()).body.checks.mailboxes[0]?.connected).toBe(false);
    // Alive all the same: only readiness says the mailbox is gone.
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    await dovecot.start();
    await waitFor(async () => (await ready()).status === 200);
    stop();
    expect(await serving).toBe(0);
  }, 40_000);
});

async function waitFor(condition: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
