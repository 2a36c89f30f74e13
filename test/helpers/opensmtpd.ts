import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './dovecot.ts';

export interface OpenSmtpd {
  readonly port: number;
  stop(): Promise<void>;
}

export function opensmtpdAvailable(): boolean {
  return existsSync('/usr/sbin/smtpd');
}

/** Runs OpenSMTPD in the foreground on 127.0.0.1, relaying mail for `domain` to an LMTP server:
 * the MTA a list's mail passes through before the mailbox. */
export async function startOpenSmtpd(lmtpPort: number, domain = 'example.org'): Promise<OpenSmtpd> {
  const dir = mkdtempSync(join(tmpdir(), 'patchferry-smtpd-'));
  const port = await freePort();
  const conf = join(dir, 'smtpd.conf');
  writeFileSync(
    conf,
    [
      `listen on 127.0.0.1 port ${port}`,
      `action "mailbox" lmtp "127.0.0.1:${lmtpPort}" rcpt-to`,
      `match from any for domain "${domain}" action "mailbox"`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('/usr/sbin/smtpd', ['-d', '-f', conf], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  for (let i = 0; ; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (up) break;
    if (i > 100 || child.exitCode !== null) throw new Error(`smtpd did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((r) => child.once('close', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
