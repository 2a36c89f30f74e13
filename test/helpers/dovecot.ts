import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';

/** Whether a throwaway Dovecot can run here. Outside CI its absence skips the IMAP tests with a
 * line saying why; under CI=true it is an error, because CI must exercise them (ci/setup --test
 * installs it). */
export function dovecotAvailable(): boolean {
  const missing = ['/usr/sbin/dovecot', '/usr/lib/dovecot/lmtp', '/usr/bin/openssl'].filter(
    (p) => !existsSync(p),
  );
  const root = process.getuid?.() === 0;
  if (missing.length === 0 && root) return true;
  const why = missing.length > 0 ? `${missing.join(', ')} missing` : 'not running as root';
  if (process.env.CI === 'true') throw new Error(`Dovecot cannot run (${why}); ci/setup --test installs it`);
  console.warn(`IMAP tests skipped: Dovecot cannot run here (${why}; run ci/setup --test as root)`);
  return false;
}

/** A free TCP port on 127.0.0.1 (taken and released, so another process may race for it; tests are
 * the only users of these high ports). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface DovecotOptions {
  /** Serve IMAP over TLS-capable connections (STARTTLS on the plain port, and an imaps port). */
  readonly tls?: boolean;
  /** Leave IDLE out of the advertised capabilities, as servers without IDLE do. */
  readonly withoutIdle?: boolean;
  /** Also accept this OAuth2 access token (XOAUTH2, OAUTHBEARER) for the user, checked by Dovecot
   * against a token introspection endpoint the harness serves on loopback. */
  readonly accessToken?: string;
  /** More users with a mailbox (same password), so that mail to <user>@example.org is delivered
   * rather than refused by LMTP: a series' author, who is sent its report too. */
  readonly otherUsers?: readonly string[];
}

export interface Dovecot {
  readonly host: '127.0.0.1';
  readonly imapPort: number;
  /** Implicit-TLS port, when started with `tls`. */
  readonly imapsPort: number | null;
  readonly lmtpPort: number;
  readonly user: string;
  readonly password: string;
  /** PEM certificate the server presents, for clients that verify it. */
  readonly certificate: string | null;
  /** A connected client logged in as the test user, for putting mail in and looking at flags. */
  client(): Promise<ImapFlow>;
  append(raw: string | Buffer, mailbox?: string): Promise<number>;
  /** Creates a folder, so that tests sharing the server keep their mail apart. */
  folder(name: string): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the server and removes every file it had. */
  destroy(): Promise<void>;
}

/** Starts Dovecot on loopback with a configuration of its own in a temp dir: a passwd-file user,
 * Maildir storage, unprivileged high ports. Mail is owned by the system `mail` user, because
 * Dovecot refuses uid 0 for mail. */
export async function startDovecot(options: DovecotOptions = {}): Promise<Dovecot> {
  const dir = mkdtempSync(join(tmpdir(), 'patchferry-dovecot-'));
  chmodSync(dir, 0o755);
  for (const sub of ['run', 'mail', 'home']) mkdirSync(join(dir, sub));
  chownSync(join(dir, 'mail'), 8, 8);
  chownSync(join(dir, 'home'), 8, 8);
  const [imapPort, imapsPort, lmtpPort] = [
    await freePort(),
    options.tls ? await freePort() : 0,
    await freePort(),
  ];
  const user = 'list';
  const password = 'loopback-only';
  writeFileSync(
    join(dir, 'passwd'),
    [user, ...(options.otherUsers ?? [])].map((u) => `${u}:{PLAIN}${password}::::::\n`).join(''),
  );
  let certificate: string | null = null;
  if (options.tls) {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    certificate = readFileSync(join(dir, 'cert.pem'), 'utf8');
  }
  const introspection = options.accessToken ? await introspectionServer(user, options.accessToken) : null;
  if (introspection) {
    writeFileSync(
      join(dir, 'oauth2.conf.ext'),
      `introspection_mode = post\nintrospection_url = ${introspection.url}\nusername_attribute = username\n` +
        'active_attribute = active\nactive_value = true\n',
    );
  }
  const name = `pf${process.pid}${Math.random().toString(36).slice(2, 8)}`;
  const conf = join(dir, 'dovecot.conf');
  writeFileSync(
    conf,
    [
      `instance_name = ${name}`,
      `base_dir = ${dir}/run`,
      `log_path = ${dir}/dovecot.log`,
      'protocols = imap lmtp',
      'listen = 127.0.0.1',
      'first_valid_uid = 8',
      // Mail delivered to list@example.org (LMTP from an MTA) lands in the IMAP user "list".
      'auth_username_format = %Ln',
      `mail_location = maildir:${dir}/mail/%u`,
      `passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u ${dir}/passwd\n${introspection ? '  mechanisms = plain login\n' : ''}}`,
      introspection
        ? `auth_mechanisms = plain login xoauth2 oauthbearer\npassdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = ${dir}/oauth2.conf.ext\n}`
        : '',
      `userdb {\n  driver = static\n  args = uid=mail gid=mail home=${dir}/home/%u\n}`,
      'disable_plaintext_auth = no',
      options.tls ? `ssl = yes\nssl_cert = <${dir}/cert.pem\nssl_key = <${dir}/key.pem` : 'ssl = no',
      options.withoutIdle
        ? 'imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE LITERAL+ UIDPLUS SORT THREAD=REFERENCES NAMESPACE UNSELECT CHILDREN CONDSTORE ESEARCH SEARCHRES MOVE'
        : '',
      `service imap-login {\n  inet_listener imap {\n    address = 127.0.0.1\n    port = ${imapPort}\n  }\n` +
        `  inet_listener imaps {\n    address = 127.0.0.1\n    port = ${imapsPort}\n  }\n}`,
      `service lmtp {\n  inet_listener lmtp {\n    address = 127.0.0.1\n    port = ${lmtpPort}\n  }\n}`,
      // list+FOLDER@example.org is delivered into FOLDER, so tests sharing a server keep apart.
      'recipient_delimiter = +',
      'protocol lmtp {\n  postmaster_address = postmaster@example.org\n  lmtp_save_to_detail_mailbox = yes\n}',
      '',
    ].join('\n'),
  );

  const dovecot: Dovecot = {
    host: '127.0.0.1',
    imapPort,
    imapsPort: options.tls ? imapsPort : null,
    lmtpPort,
    user,
    password,
    certificate,
    async client() {
      const client = new ImapFlow({
        host: '127.0.0.1',
        port: imapPort,
        secure: false,
        doSTARTTLS: false,
        auth: { user, pass: password },
        logger: false,
      });
      await client.connect();
      return client;
    },
    async append(raw, mailbox = 'INBOX') {
      const client = await dovecot.client();
      try {
        const result = await client.append(mailbox, raw);
        if (!result || result.uid === undefined) throw new Error(`APPEND to ${mailbox} failed`);
        return result.uid;
      } finally {
        await client.logout();
      }
    },
    async folder(name) {
      const client = await dovecot.client();
      try {
        await client.mailboxCreate(name);
      } finally {
        await client.logout();
      }
    },
    async start() {
      // The daemon keeps inherited pipes open, so its output goes to the log file, not to us.
      const started = spawnSync('/usr/sbin/dovecot', ['-c', conf], { stdio: 'ignore' });
      if (started.status !== 0) {
        const log = existsSync(join(dir, 'dovecot.log'))
          ? readFileSync(join(dir, 'dovecot.log'), 'utf8')
          : '';
        throw new Error(`dovecot did not start (exit ${started.status}): ${log}`);
      }
      await waitForPort(imapPort);
    },
    async stop() {
      // A stop that also ends every session at once, as a crash or a reboot does: Dovecot alone
      // leaves idling sessions to notice seconds later.
      const pidFile = join(dir, 'run', 'master.pid');
      if (!existsSync(pidFile)) return;
      process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGTERM');
      spawnSync('pkill', ['-KILL', '-f', `^dovecot-${name}/`], { stdio: 'ignore' });
      for (let i = 0; i < 100 && existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 50));
    },
    async destroy() {
      await dovecot.stop();
      introspection?.server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await dovecot.start();
  return dovecot;
}

async function waitForPort(port: number): Promise<void> {
  const { connect } = await import('node:net');
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

/** An OAuth2 token introspection endpoint (RFC 7662) that knows one active token. */
async function introspectionServer(user: string, token: string): Promise<{ server: Server; url: string }> {
  const server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const given = new URLSearchParams(body).get('token');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(given === token ? { active: true, username: user } : { active: false }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { server, url: `http://127.0.0.1:${address.port}/introspect` };
}
