import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { mboxSource } from '../../src/ingest/mbox.ts';
import { parseMail } from '../../src/mail/parse.ts';
import type { ReportMessage } from '../../src/ports/report-message.ts';
import { outboxNotifier } from '../../src/notify/outbox-notifier.ts';
import { smtpNotifier } from '../../src/notify/smtp-notifier.ts';
import { tempDir } from '../helpers/tmp.ts';

const MESSAGE: ReportMessage = {
  to: ['list@example.org'],
  cc: ['ada@example.org'],
  subject: 'Re: [PATCH] x (patchferry: applied and built)',
  inReplyTo: 'patch-1@example.org',
  references: ['cover@example.org', 'patch-1@example.org'],
  body: 'From the start: a line that mbox must quote.\nDone.\n',
};

describe('outbox notifier', () => {
  it('appends threaded RFC 5322 replies that read back intact, with a Message-ID stable per report', async () => {
    const path = join(tempDir(), 'out', 'outbox.mbox');
    const outbox = outboxNotifier({ path, from: 'patchferry <pf@example.org>' });
    expect(outbox.destinations(MESSAGE)).toEqual([`outbox:${path}`]);
    await outbox.send('series:a:built', MESSAGE, `outbox:${path}`);
    await outbox.send('series:a:built', MESSAGE, `outbox:${path}`);
    await outbox.send('series:b:failed', { ...MESSAGE, subject: 'second' }, `outbox:${path}`);
    const mails = [];
    for await (const m of mboxSource(path).read(null)) mails.push(await parseMail(m.raw));
    expect(mails).toHaveLength(3);
    expect(mails[0]).toMatchObject({
      inReplyTo: 'patch-1@example.org',
      references: ['cover@example.org', 'patch-1@example.org'],
      subject: MESSAGE.subject,
    });
    expect(mails[0]?.text).toContain('From the start: a line that mbox must quote.');
    expect(mails[0]?.messageId).toBe(mails[1]?.messageId);
    expect(mails[2]?.messageId).not.toBe(mails[0]?.messageId);
  });
});

describe('SMTP notifier', () => {
  it('delivers the report to each recipient through a real SMTP server on loopback, one envelope each', async () => {
    const received: { from: string; to: string[]; data: string }[] = [];
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(address, _session, callback) {
        // Greylisting for one recipient: a temporary refusal of that one, the others taken.
        if (address.address === 'grey@example.org')
          callback(Object.assign(new Error('try later'), { responseCode: 451 }));
        else if (address.address === 'gone@example.org')
          callback(Object.assign(new Error('no such user'), { responseCode: 550 }));
        else callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            data: Buffer.concat(chunks).toString(),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.server.address() as AddressInfo).port;
    try {
      const smtp = smtpNotifier({
        host: '127.0.0.1',
        port,
        security: 'plain',
        from: 'patchferry <pf@example.org>',
      });
      const destinations = smtp.destinations(MESSAGE);
      expect(destinations).toEqual([
        `smtp:127.0.0.1:${port}:list@example.org`,
        `smtp:127.0.0.1:${port}:ada@example.org`,
      ]);
      for (const d of destinations) await smtp.send('series:a:built', MESSAGE, d);
      expect(received.map((r) => r.to)).toEqual([['list@example.org'], ['ada@example.org']]);
      expect(received[0]?.from).toBe('pf@example.org');
      expect(received[0]?.data).toMatch(/^In-Reply-To: <patch-1@example.org>$/m);
      expect(received[0]?.data).toMatch(/^Cc: ada@example.org$/m);
      // One Message-ID for every recipient.
      const ids = received.map((r) => /^Message-ID: (.*)$/im.exec(r.data)?.[1]);
      expect(ids[0]).toBeDefined();
      expect(ids[1]).toBe(ids[0]);

      const refused = { ...MESSAGE, cc: ['grey@example.org', 'gone@example.org'] };
      await expect(smtp.send('k2', refused, `smtp:127.0.0.1:${port}:grey@example.org`)).rejects.toMatchObject(
        {
          code: 'smtp_failed',
          retryable: true,
          message: expect.stringContaining('to grey@example.org'),
        },
      );
      await expect(smtp.send('k2', refused, `smtp:127.0.0.1:${port}:gone@example.org`)).rejects.toMatchObject(
        {
          retryable: false,
          message: expect.stringContaining('refused for good'),
        },
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('says which server refused, and that retrying may help', async () => {
    const smtp = smtpNotifier({ host: '127.0.0.1', port: 1, security: 'plain', from: 'pf@example.org' });
    await expect(smtp.send('k', MESSAGE, 'smtp:127.0.0.1:1:list@example.org')).rejects.toMatchObject({
      code: 'smtp_failed',
      retryable: true,
      message: expect.stringContaining('via 127.0.0.1:1'),
    });
  });
});
