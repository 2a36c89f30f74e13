import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './dovecot.ts';
import { running } from './processes.ts';

export interface OpenSmtpd {
  readonly port: number;
  stop(): Promise<void>;
}

/** Whether OpenSMTPD and git send-email can run here. Outside CI their absence skips the test with
 * a line saying why; under CI=true it is an error, because CI must exercise them (ci/setup --test
 * installs both). */
export function opensmtpdAvailable(): boolean {
  const sendEmail = join(execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim(), 'git-send-email');
  const missing = ['/usr/sbin/smtpd', sendEmail].filter((p) => !existsSync(p));
  const root = process.getuid?.() === 0;
  if (missing.length === 0 && root) return true;
  const [why, fix] =
    missing.length > 0
      ? [`${missing.join(', ')} missing`, 'ci/setup --test installs them']
      : ['not running as root', 'OpenSMTPD needs root to start'];
  if (process.env.CI === 'true') throw new Error(`OpenSMTPD and git send-email cannot run (${why}); ${fix}`);
  console.warn(`OpenSMTPD test skipped: OpenSMTPD and git send-email cannot run here (${why}; ${fix})`);
  return false;
}

/** Runs OpenSMTPD in the foreground on 127.0.0.1, relaying mail for `domain` to an LMTP server:
 * the MTA a list's mail passes through before the mailbox. OpenSMTPD accepts only recipients that
 * are users of this system (list@ is Debian's "list"); with `anyRecipient` every address of the
 * domain is accepted and handed to LMTP as it was written, for mailboxes that are not system users. */
export async function startOpenSmtpd(
  lmtpPort: number,
  domain = 'example.org',
  options: { anyRecipient?: boolean } = {},
): Promise<OpenSmtpd> {
  const release = await oneSmtpdAtATime();
  const dir = mkdtempSync(join(tmpdir(), 'patchferry-smtpd-'));
  const port = await freePort();
  const conf = join(dir, 'smtpd.conf');
  writeFileSync(
    conf,
    [
      `listen on 127.0.0.1 port ${port}`,
      ...(options.anyRecipient ? [`table recipients { "@${domain}" = "list" }`] : []),
      `action "mailbox" lmtp "127.0.0.1:${lmtpPort}" rcpt-to${options.anyRecipient ? ' virtual <recipients>' : ''}`,
      `match from any for domain "${domain}" action "mailbox"`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('/usr/sbin/smtpd', ['-d', '-f', conf], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // Named in the lock, so that a test process killed before its stop() (a timeout) leaves no smtpd
  // holding the control socket for every later one: the next taker of the lock stops it.
  writeFileSync(LOCK, `${process.pid} ${child.pid ?? 0}`);
  let output = '';
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  for (let i = 0; ; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (up) break;
    if (i > 100 || child.exitCode !== null) {
      child.kill('SIGKILL');
      release();
      throw new Error(`smtpd did not start: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((r) => child.once('close', r));
      rmSync(dir, { recursive: true, force: true });
      release();
    },
  };
}

const LOCK = join(tmpdir(), 'patchferry-smtpd.lock');

/**
 * Waits until no other test file runs OpenSMTPD, then holds that until the returned release is
 * called. Two at once fail: the control socket (/run/smtpd.sock) and the queue are fixed paths
 * built into smtpd ("control socket already listening"). A lock left by a process that is gone is
 * taken over.
 */
async function oneSmtpdAtATime(ms = 120_000): Promise<() => void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
      return () => rmSync(LOCK, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder: number;
    let smtpd: number;
    try {
      [holder = 0, smtpd = 0] = readFileSync(LOCK, 'utf8').split(' ').map(Number);
    } catch {
      continue; // released meanwhile
    }
    if (holder > 0 && holder !== process.pid && !running(holder)) {
      if (smtpd > 0 && running(smtpd)) await stopOrphan(smtpd);
      rmSync(LOCK, { force: true });
    } else if (Date.now() > end)
      throw new Error(`OpenSMTPD still in use by process ${holder} after ${ms} ms`);
    else await new Promise((r) => setTimeout(r, 100));
  }
}

/** Stops an smtpd whose test process is gone (SIGTERM, then SIGKILL after 5 s). */
async function stopOrphan(pid: number): Promise<void> {
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 50 && running(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (running(pid)) process.kill(pid, 'SIGKILL');
}
