import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { FINAL_KEYWORD } from '../../../src/ingest/imap.ts';
import { createContext } from '../../../src/runtime/context.ts';
import { sync } from '../../../src/app/stages.ts';
import { watch } from '../../../src/server/watch.ts';
import type { JobSummary } from '../../../src/runtime/index.ts';
import { silentLogger } from '../../../src/shared/log.ts';
import { dovecotAvailable, startDovecot, type Dovecot } from '../../helpers/dovecot.ts';
import { git } from '../../helpers/git.ts';
import { makeListWorld } from '../../helpers/list-world.ts';
import { opensmtpdAvailable, startOpenSmtpd } from '../../helpers/opensmtpd.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { notTherePatch } from '../../helpers/mail.ts';
import { until } from '../../helpers/until.ts';

const available = dovecotAvailable();

describe.skipIf(!available)('sync from an IMAP folder', () => {
  let d: Dovecot;
  beforeAll(async () => {
    d = await startDovecot();
  });
  afterAll(async () => {
    await d?.destroy();
  });

  async function marks(mailbox = 'INBOX'): Promise<Map<string, boolean>> {
    const client = await d.client();
    const lock = await client.getMailboxLock(mailbox);
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

    let ctx = await open();
    const first = await sync(ctx);
    ctx.store.close();
    await Promise.all(ctx.sources.map((s) => s.close()));
    expect(first.newMails).toBe(5);
    expect(first.applied).toHaveLength(1);
    expect(first.incomplete).toMatchObject([{ have: 2, total: 3 }]);
    const marked = [...(await marks()).values()];
    expect(marked).toEqual([true, true, true, false, false]);

    // The database is lost (a CI job in a fresh container): the mailbox alone says what is left.
    rmSync(join(world.dir, 'state'), { recursive: true });
    ctx = await open();
    const again = await sync(ctx);
    await Promise.all(ctx.sources.map((s) => s.close()));
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

  it('ci sync delivers the notice of a series that did not apply before it marks the mail, which no later job reads again', async () => {
    await d.folder('ci');
    const world = makeListWorld(tempDir(), d, 'ci');
    await d.append(Buffer.from(notTherePatch('hello', '\r\n')), 'ci');
    const out: string[] = [];
    const io = {
      out: (l: string) => out.push(l),
      err: (l: string) => out.push(l),
      env: {
        ...world.env,
        CI_PIPELINE_SOURCE: 'schedule',
        PATCHFERRY_CONFIG: world.configFile,
        PATCHFERRY_ARTIFACTS: join(world.dir, 'artifacts'),
      },
      interrupted: () => new Promise<void>(() => {}),
    };
    expect(await main(['ci', 'sync'], io)).toBe(3);
    expect(out.join('\n')).toMatch(/FAILED\s+hello\/master patch 1/);
    const outbox = readFileSync(join(world.dir, 'outbox.mbox'), 'utf8');
    expect(outbox).toMatch(/^Subject: Re: \[master PATCH hello\] hello: change a file that is not there/m);
    expect(outbox).toMatch(/^In-Reply-To: <not-there-1@example.org>/m);
    expect([...(await marks('ci')).values()]).toEqual([true]);
  });

  it('backfills with since: mails already recorded change nothing', async () => {
    await d.folder('backfill');
    const world = makeListWorld(tempDir(), d, 'backfill');
    for (const raw of world.series('gamma', 1)) await d.append(raw, 'backfill');
    const ctx = await createContext(loadConfig(world.configFile), silentLogger(), world.env);
    try {
      await sync(ctx);
      const backfill = await sync(ctx, { since: new Date('2000-01-01') });
      expect(backfill.newMails).toBe(0);
      expect(backfill.applied).toEqual([]);
    } finally {
      await Promise.all(ctx.sources.map((s) => s.close()));
      ctx.store.close();
    }
  });

  it.skipIf(!opensmtpdAvailable())(
    'applies a series sent with git send-email through OpenSMTPD and LMTP',
    async () => {
      await d.folder('sent');
      const mta = await startOpenSmtpd(d.lmtpPort);
      const world = makeListWorld(tempDir(), d, 'sent');
      try {
        world.series('delta', 2); // commits made; mailed below the way a developer does
        const out = join(world.dir, 'outgoing');
        git(world.work, ['format-patch', '-q', '-2', '--subject-prefix=master PATCH hello', '-o', out]);
        git(world.work, [
          'send-email',
          '--confirm=never',
          '--suppress-cc=all',
          '--smtp-server=127.0.0.1',
          `--smtp-server-port=${mta.port}`,
          '--to=list+sent@example.org',
          '--from=dev@example.org',
          '--quiet',
          out,
        ]);
        const ctx = await createContext(loadConfig(world.configFile), silentLogger(), world.env);
        try {
          let s = await sync(ctx);
          for (let i = 0; s.applied.length === 0 && i < 50; i++) {
            // The MTA delivers asynchronously; look again until both parts are in.
            await new Promise((r) => setTimeout(r, 100));
            s = await sync(ctx);
          }
          expect(s.applied).toMatchObject([{ project: 'hello', branch: 'master' }]);
          expect(git(world.upstream, ['log', '-1', '--format=%s', 'master']).trim()).toBe(
            'delta: change 2 of 2',
          );
        } finally {
          await Promise.all(ctx.sources.map((x) => x.close?.()));
          ctx.store.close();
        }
      } finally {
        await mta.stop();
      }
    },
    30_000,
  );

  it('watch applies a series within a second or two of its last part arriving, and stops when asked', async () => {
    await d.folder('watched');
    const world = makeListWorld(tempDir(), d, 'watched');
    const ctx = await createContext(loadConfig(world.configFile), silentLogger(), world.env);
    const stop = new AbortController();
    const runs: JobSummary[] = [];
    const watching = watch(ctx, {
      pollMs: 60_000,
      signal: stop.signal,
      onRun: (run) => {
        if ('job' in run) runs.push(run.job);
      },
    });
    try {
      await until(() => runs.length === 1);
      const started = Date.now();
      for (const raw of world.series('epsilon', 2, { cover: true })) await d.append(raw, 'watched');
      await until(() => runs.some((r) => r.sync.applied.length > 0), 5000);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(git(world.upstream, ['log', '-1', '--format=%s', 'master']).trim()).toBe(
        'epsilon: change 2 of 2',
      );
    } finally {
      stop.abort();
      await watching;
      await Promise.all(ctx.sources.map((x) => x.close?.()));
      ctx.store.close();
    }
  });
});
