import { createServer, connect, type Server, type Socket } from 'node:net';
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINAL_KEYWORD, ImapError, imapSource, type ImapSourceOptions } from '../../src/ingest/imap.ts';
import type { MailSource } from '../../src/ports/mail-source.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { dovecotAvailable, freePort, startDovecot, type Dovecot } from '../helpers/dovecot.ts';
import { rawMail } from '../helpers/mail.ts';
import { until } from '../helpers/until.ts';

const available = dovecotAvailable();

function mail(id: string, subject = `[PATCH] change ${id}`): Buffer {
  return rawMail(
    {
      From: 'Dev Eloper <dev@example.org>',
      To: 'list@example.org',
      Subject: subject,
      'Message-ID': `<${id}@example.org>`,
    },
    `body of ${id}\n`,
  );
}

function source(d: Dovecot, over: Partial<ImapSourceOptions> = {}) {
  return imapSource({
    host: d.host,
    port: d.imapPort,
    security: 'plain',
    user: d.user,
    auth: { password: d.password },
    mailbox: 'INBOX',
    pollMs: 60_000,
    reconnect: { attempts: 4, baseDelayMs: 50, maxDelayMs: 200 },
    log: silentLogger(),
    ...over,
  });
}

async function readAll(s: MailSource, after: string | null, since?: Date) {
  const out: { id: string; position: string }[] = [];
  for await (const m of s.read(after, since ? { since } : {})) {
    out.push({ id: /Message-ID: <([^>@]+)@/.exec(m.raw.toString())?.[1] ?? '?', position: m.position });
  }
  return out;
}

async function keywords(d: Dovecot, mailbox = 'INBOX'): Promise<Map<number, boolean>> {
  const client = await d.client();
  const lock = await client.getMailboxLock(mailbox);
  const out = new Map<number, boolean>();
  try {
    for await (const m of client.fetch('1:*', { uid: true, flags: true }))
      out.set(m.uid, m.flags?.has(FINAL_KEYWORD) ?? false);
  } finally {
    lock.release();
    await client.logout();
  }
  return out;
}

describe.skipIf(!available)('IMAP source against Dovecot on loopback', () => {
  let d: Dovecot;
  beforeAll(async () => {
    d = await startDovecot({ tls: true });
  });
  afterAll(async () => {
    await d?.destroy();
  });

  it('delivers mail in UID order with UIDVALIDITY:UID positions and resumes after a position', async () => {
    await d.folder('resume');
    for (const id of ['r1', 'r2', 'r3']) await d.append(mail(id), 'resume');
    const s = source(d, { mailbox: 'resume' });
    try {
      const first = await readAll(s, null);
      expect(first.map((m) => m.id)).toEqual(['r1', 'r2', 'r3']);
      expect(first.map((m) => m.position)).toEqual(
        [1, 2, 3].map((uid) => expect.stringMatching(new RegExp(`^\\d+:${uid}$`))),
      );
      expect(await readAll(s, first[2]?.position ?? null)).toEqual([]);
      await d.append(mail('r4'), 'resume');
      expect((await readAll(s, first[1]?.position ?? null)).map((m) => m.id)).toEqual(['r3', 'r4']);
    } finally {
      await s.close?.();
    }
  });

  it('marks settled mails $Patchferry, and a reader with no position starts from the unmarked ones', async () => {
    await d.folder('settle');
    for (const id of ['s1', 's2', 's3']) await d.append(mail(id), 'settle');
    const s = source(d, { mailbox: 'settle' });
    try {
      const read = await readAll(s, null);
      await s.settle?.([read[0]!.position, read[2]!.position]);
      expect([...(await keywords(d, 'settle')).values()]).toEqual([true, false, true]);
      expect((await readAll(s, null)).map((m) => m.id)).toEqual(['s2']);
    } finally {
      await s.close?.();
    }
  });

  it('moves settled mails to the configured folder', async () => {
    await d.folder('incoming');
    await d.folder('done');
    await d.append(mail('m1'), 'incoming');
    const s = source(d, { mailbox: 'incoming', moveTo: 'done' });
    try {
      const read = await readAll(s, null);
      await s.settle?.(read.map((m) => m.position));
      expect((await keywords(d, 'incoming')).size).toBe(0);
      expect([...(await keywords(d, 'done')).values()]).toEqual([true]);
    } finally {
      await s.close?.();
    }
  });

  it('rescans the folder when UIDVALIDITY changes', async () => {
    let client = await d.client();
    await client.mailboxCreate('rebuilt');
    await client.logout();
    await d.append(mail('v1'), 'rebuilt');
    const s = source(d, { mailbox: 'rebuilt' });
    try {
      const before = await readAll(s, null);
      client = await d.client();
      await client.mailboxDelete('rebuilt');
      await client.mailboxCreate('rebuilt');
      await client.logout();
      await d.append(mail('v1'), 'rebuilt');
      await d.append(mail('v2'), 'rebuilt');
      const after = await readAll(s, before[0]!.position);
      expect(after.map((m) => m.id)).toEqual(['v1', 'v2']);
      expect(after[0]!.position.split(':')[0]).not.toBe(before[0]!.position.split(':')[0]);
    } finally {
      await s.close?.();
    }
  });

  it('backfills from a date with since, whatever the position', async () => {
    const client = await d.client();
    await client.mailboxCreate('backfill');
    await client.append('backfill', mail('old'), [], new Date('2020-01-01T00:00:00Z'));
    await client.append('backfill', mail('new'), [], new Date('2026-06-01T00:00:00Z'));
    await client.logout();
    const s = source(d, { mailbox: 'backfill' });
    try {
      const all = await readAll(s, null);
      expect(all).toHaveLength(2);
      const since = await readAll(s, all[1]!.position, new Date('2025-01-01'));
      expect(since.map((m) => m.id)).toEqual(['new']);
    } finally {
      await s.close?.();
    }
  });

  it('reads over implicit TLS and over required STARTTLS when the certificate is trusted', async () => {
    await d.append(mail('tls1'));
    for (const [security, port] of [
      ['tls', d.imapsPort!],
      ['starttls', d.imapPort],
    ] as const) {
      const s = source(d, { security, port, ca: d.certificate! });
      try {
        expect((await readAll(s, null)).map((m) => m.id)).toContain('tls1');
      } finally {
        await s.close?.();
      }
    }
  });

  it('refuses an untrusted certificate with a TLS error at once, without retrying', async () => {
    const s = source(d, {
      security: 'tls',
      port: d.imapsPort!,
      reconnect: { attempts: 50, baseDelayMs: 1000, maxDelayMs: 1000 },
    });
    const started = Date.now();
    await expect(readAll(s, null)).rejects.toMatchObject({ code: 'imap_tls' });
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('names the user and the password when the login is refused, without retrying', async () => {
    const s = source(d, {
      auth: { password: 'wrong' },
      reconnect: { attempts: 50, baseDelayMs: 1000, maxDelayMs: 1000 },
    });
    const err = await readAll(s, null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImapError);
    expect((err as ImapError).code).toBe('imap_auth');
    expect((err as ImapError).message).toMatch(/refused the login for "list".*check the password/);
    expect((err as ImapError).message).not.toContain('wrong');
  });

  it('names a folder the server does not have', async () => {
    const s = source(d, { mailbox: 'no-such-folder' });
    try {
      await expect(readAll(s, null)).rejects.toMatchObject({
        code: 'imap_no_mailbox',
        message: expect.stringContaining('"no-such-folder"'),
      });
    } finally {
      await s.close?.();
    }
  });

  it('gives up after the configured attempts when nothing listens, saying so', async () => {
    const port = await freePort();
    const s = source(d, { port, reconnect: { attempts: 3, baseDelayMs: 10, maxDelayMs: 20 } });
    await expect(readAll(s, null)).rejects.toMatchObject({
      code: 'imap_unreachable',
      message: expect.stringMatching(/ECONNREFUSED.*gave up after 3 attempts/),
    });
  });

  it('takes mail delivered over LMTP like any other', async () => {
    const client = await d.client();
    const status = await client.status('INBOX', { uidNext: true });
    const before = status ? (status.uidNext ?? 1) : 1;
    await client.logout();
    const lmtp = createTransport({
      host: '127.0.0.1',
      port: d.lmtpPort,
      lmtp: true,
      secure: false,
      ignoreTLS: true,
    });
    await lmtp.sendMail({ envelope: { from: 'dev@example.org', to: ['list'] }, raw: mail('lmtp1') });
    const s = source(d);
    try {
      const read = await readAll(s, `${await uidValidity(d)}:${before - 1}`);
      expect(read.map((m) => m.id)).toEqual(['lmtp1']);
    } finally {
      await s.close?.();
    }
  });

  it('finishes a fetch the server dropped half-way, delivering each mail once', async () => {
    await d.folder('dropped');
    const big = 'x'.repeat(20_000);
    for (let i = 0; i < 12; i++)
      await d.append(
        rawMail(
          { From: 'dev@example.org', Subject: `[PATCH] big ${i}`, 'Message-ID': `<drop${i}@example.org>` },
          `${big}\n`,
        ),
        'dropped',
      );
    // A proxy that cuts the first connection after 60 kB from the server: in the middle of the FETCH.
    const proxy = await cuttingProxy(d.imapPort, 60_000);
    const s = source(d, { mailbox: 'dropped', port: proxy.port });
    try {
      const read = await readAll(s, null);
      expect(read.map((m) => m.id)).toEqual(Array.from({ length: 12 }, (_, i) => `drop${i}`));
      expect(proxy.cuts()).toBe(1);
    } finally {
      await s.close?.();
      proxy.server.close();
    }
  });
});

describe.skipIf(!available)('IMAP with an OAuth2 access token', () => {
  it('logs in with XOAUTH2, and a rejected token is a login error', async () => {
    const d = await startDovecot({ accessToken: 'token-for-list' });
    try {
      await d.append(mail('oauth1'));
      const s = source(d, { auth: { accessToken: 'token-for-list' } });
      try {
        expect((await readAll(s, null)).map((m) => m.id)).toEqual(['oauth1']);
      } finally {
        await s.close?.();
      }
      const bad = source(d, { auth: { accessToken: 'expired' } });
      await expect(readAll(bad, null)).rejects.toMatchObject({
        code: 'imap_auth',
        message: expect.stringContaining('check the access token'),
      });
    } finally {
      await d.destroy();
    }
  });
});

describe.skipIf(!available)('IMAP watching', () => {
  it('wakes within a second of new mail with IDLE, and again after the server restarts', async () => {
    const d = await startDovecot();
    const s = source(d, { reconnect: { attempts: 20, baseDelayMs: 50, maxDelayMs: 200 } });
    const stop = new AbortController();
    const wakes: number[] = [];
    const watching = (async () => {
      for await (const _ of s.watch(stop.signal)) wakes.push(Date.now());
    })();
    try {
      await until(() => wakes.length === 1);
      await new Promise((r) => setTimeout(r, 300));
      const sent = Date.now();
      await d.append(mail('idle1'));
      await until(() => wakes.length === 2);
      expect(wakes[1]! - sent).toBeLessThan(1000);

      await d.stop();
      await d.start();
      // The watcher reconnects by itself and wakes once for whatever came meanwhile.
      await until(() => wakes.length === 3, 10_000);
      await new Promise((r) => setTimeout(r, 300));
      const again = Date.now();
      await d.append(mail('idle2'));
      await until(() => wakes.length === 4);
      expect(wakes[3]! - again).toBeLessThan(1000);
    } finally {
      stop.abort();
      await watching;
      await s.close?.();
      await d.destroy();
    }
  }, 30_000);

  it('polls where the server has no IDLE', async () => {
    const d = await startDovecot({ withoutIdle: true });
    const s = source(d, { pollMs: 300 });
    const stop = new AbortController();
    let wakes = 0;
    const watching = (async () => {
      for await (const _ of s.watch(stop.signal)) wakes++;
    })();
    try {
      await until(() => wakes === 1);
      await d.append(mail('poll1'));
      await until(() => wakes === 2, 3000);
    } finally {
      stop.abort();
      await watching;
      await s.close?.();
      await d.destroy();
    }
  }, 20_000);
});

async function uidValidity(d: Dovecot): Promise<string> {
  const client = await d.client();
  const status = await client.status('INBOX', { uidValidity: true });
  await client.logout();
  if (!status) throw new Error('STATUS failed');
  return String(status.uidValidity);
}

/** A TCP proxy to `target` that, on its first connection only, cuts both sides after `limit` bytes
 * have come from the server. */
async function cuttingProxy(
  target: number,
  limit: number,
): Promise<{ server: Server; port: number; cuts: () => number }> {
  let connections = 0;
  let cuts = 0;
  const server = createServer((downstream: Socket) => {
    const first = connections++ === 0;
    const upstream = connect(target, '127.0.0.1');
    let passed = 0;
    downstream.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      passed += chunk.length;
      if (first && passed > limit) {
        cuts++;
        upstream.destroy();
        downstream.destroy();
        return;
      }
      downstream.write(chunk);
    });
    upstream.on('error', () => downstream.destroy());
    downstream.on('error', () => upstream.destroy());
    upstream.on('close', () => downstream.destroy());
    downstream.on('close', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port, cuts: () => cuts };
}
