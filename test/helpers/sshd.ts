import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './dovecot.ts';

const SSHD = '/usr/sbin/sshd';

/** Whether a throwaway sshd and rsync can run here; outside CI their absence skips with a line
 * saying why, under CI=true it fails (ci/setup --test installs openssh-server and rsync). */
export function sshdAvailable(what: string): boolean {
  const missing = [SSHD, 'ssh', 'ssh-keygen', 'rsync'].filter((tool) => !onPath(tool));
  if (missing.length === 0) return true;
  const why = `${what}: ${missing.join(', ')} missing; ci/setup --test installs openssh-server and rsync`;
  if (process.env.CI === 'true') throw new Error(why);
  console.warn(`${why} (skipped)`);
  return false;
}

function onPath(tool: string): boolean {
  if (tool.startsWith('/')) return existsSync(tool);
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

export interface Sshd {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The current user, whom the server lets in with `identityFile`. */
  readonly user: string;
  readonly identityFile: string;
  /** A known_hosts file holding the server's real host key. */
  readonly knownHosts: string;
  /** A known_hosts file naming another key for the same host and port. */
  readonly wrongKnownHosts: string;
  stop(): Promise<void>;
}

/**
 * Starts OpenSSH's sshd on 127.0.0.1 as the current user with a host key and a user key made here
 * (ed25519, no passphrase), the user's key its only authorized one. As root, sshd needs its
 * privilege separation directory (/run/sshd, made by the ssh service on a booted system): made here
 * when absent.
 */
export async function startSshd(): Promise<Sshd> {
  const dir = mkdtempSync(join(tmpdir(), 'patchferry-sshd-'));
  const keygen = (name: string) =>
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', join(dir, name)]);
  keygen('host_key');
  keygen('other_host_key');
  keygen('user_key');
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'user_key.pub')));
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const port = await freePort();
  const conf = join(dir, 'sshd_config');
  writeFileSync(
    conf,
    [
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      // The temporary folder is world-writable: sshd's ownership checks would refuse it.
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  const known = (key: string) => `[127.0.0.1]:${port} ${readFileSync(join(dir, `${key}.pub`), 'utf8')}`;
  writeFileSync(join(dir, 'known_hosts'), known('host_key'));
  writeFileSync(join(dir, 'wrong_known_hosts'), known('other_host_key'));
  const child = spawn(SSHD, ['-D', '-e', '-f', conf, '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sshd did not start: ${output}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() - started > 5000) {
      child.kill('SIGKILL');
      throw new Error(`sshd did not listen within 5 s: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host: '127.0.0.1',
    port,
    user: userInfo().username,
    identityFile: join(dir, 'user_key'),
    knownHosts: join(dir, 'known_hosts'),
    wrongKnownHosts: join(dir, 'wrong_known_hosts'),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
