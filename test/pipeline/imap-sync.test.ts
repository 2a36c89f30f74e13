import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { FINAL_KEYWORD } from '../../src/ingest/imap.ts';
import { createContext } from '../../src/pipeline/context.ts';
import { sync } from '../../src/pipeline/sync.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { dovecotAvailable, startDovecot, type Dovecot } from '../helpers/dovecot.ts';
import { git } from '../helpers/git.ts';
import { makeListWorld } from '../helpers/list-world.ts';
import { tempDir } from '../helpers/tmp.ts';

const available = dovecotAvailable();

describe.skipIf(!available)('sync from an IMAP folder', () => {
  let d: Dovecot;
  beforeAll(async () => {
    d = await startDovecot();
  });
  afterAll(async () => {
    await d?.destroy();
  });

  async function marks(): Promise<Map<string, boolean>> {
    const client = await d.client();
    const lock = await client.getMailboxLock('INBOX');
    const out = new Map<string, boolean>();
    try {
      for await (const m of client.fetch('1:*', { envelope: true, flags: true }))
        out.set(m.envelope?.messageId ?? '', m.flags?.has(FINAL_KEYWORD) ?? false);
    } finally {
      lock.release();
      await client.logout();
    }
    return out;
  }

  it('applies what is complete, marks only final mails, and a run with an empty database resumes from the marks', async () => {
    const world = makeListWorld(tempDir(), d);
    const open = () => createContext(loadConfig(world.configFile), silentLogger(), world.env);
    const complete = world.series('alpha', 2, { cover: true });
    const waiting = world.series('beta', 3).slice(0, 2);
    for (const raw of [...complete, ...waiting]) await d.append(raw);

    let ctx = open();
    const first = await sync(ctx);
    ctx.store.close();
    await Promise.all(ctx.sources.map((s) => s.close?.()));
    expect(first.newMails).toBe(5);
    expect(first.applied).toHaveLength(1);
    expect(first.incomplete).toMatchObject([{ have: 2, total: 3 }]);
    const marked = [...(await marks()).values()];
    expect(marked).toEqual([true, true, true, false, false]);

    // The database is lost (a CI job in a fresh container): the mailbox alone says what is left.
    rmSync(join(world.dir, 'state'), { recursive: true });
    ctx = open();
    const again = await sync(ctx);
    await Promise.all(ctx.sources.map((s) => s.close?.()));
    ctx.store.close();
    expect(again.newMails).toBe(2);
    expect(again.applied).toEqual([]);
    expect(again.incomplete).toMatchObject([{ have: 2, total: 3 }]);
    expect(git(world.upstream, ['log', '--format=%s', 'master']).trim().split('\n')).toEqual([
      'alpha: change 2 of 2',
      'alpha: change 1 of 2',
      'initial',
    ]);
  });

  it('backfills with since: mails already recorded change nothing', async () => {
    const client = await d.client();
    await client.mailboxCreate('backfill');
    await client.logout();
    const world = makeListWorld(tempDir(), d, 'backfill');
    for (const raw of world.series('gamma', 1)) await d.append(raw, 'backfill');
    const ctx = createContext(loadConfig(world.configFile), silentLogger(), world.env);
    try {
      await sync(ctx);
      const backfill = await sync(ctx, { since: new Date('2000-01-01') });
      expect(backfill.newMails).toBe(0);
      expect(backfill.applied).toEqual([]);
    } finally {
      await Promise.all(ctx.sources.map((s) => s.close?.()));
      ctx.store.close();
    }
  });
});
