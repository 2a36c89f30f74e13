import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import { FakeGitLab } from '../servers/gitlab.ts';
import { KojiHub } from '../servers/koji-hub.ts';
import { dnf } from '../helpers/dnf.ts';
import { startDovecot, type Dovecot } from '../helpers/dovecot.ts';
import { commitFiles, git } from '../helpers/git.ts';
import { startHttpd } from '../helpers/httpd.ts';
import { startOpenSmtpd } from '../helpers/opensmtpd.ts';
import { noarchTree } from '../helpers/rpm.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const HOOK_TOKEN = 'e2e-hook-token';
const FORGE_TOKEN = 'glpat-e2e';

/**
 * Everything the end-to-end run talks to, each a real process or server on 127.0.0.1: Dovecot
 * holding the list's mailbox (user "list", INBOX), OpenSMTPD relaying example.org mail to it over
 * LMTP, the GitLab test server hosting virt/hello (a tiny noarch package, "greeter"), Apache
 * serving the publisher's tree, and `patchferry serve` as its own process (bin/patchferry.mjs)
 * reading the list by IMAP IDLE, building locally in the bubblewrap sandbox and mailing its reports
 * through OpenSMTPD.
 */
export interface E2eWorld {
  readonly dir: string;
  readonly gitlab: FakeGitLab;
  readonly dovecot: Dovecot;
  /** serve's stderr so far (JSON log lines). */
  log(): string;
  /** What serve's /metrics answers now (Prometheus' text format). */
  metrics(): Promise<string>;
  /** One series mailed, proposed, merged, built, published and reported; see `E2eRun`. */
  run(name: string): Promise<E2eRun>;
  stop(): Promise<void>;
}

/** What one pass through the flow gave: timings in seconds and the facts to assert on. */
export interface E2eRun {
  readonly iid: number;
  /** From `git send-email` starting to the merge request being on the forge. */
  readonly mailToMrS: number;
  /** From the merge webhook being posted to the build's repository being published. */
  readonly mergeToInstallableS: number;
  /** The master build itself, as patchferry recorded it (created_at → finished_at). */
  readonly buildS: number;
  /** The NVR-bearing RPM file names of the master build. */
  readonly rpms: readonly string[];
  /** Base URL of the published repository (served by Apache). */
  readonly repoUrl: string;
  /** The text `/usr/bin/greeter` has once dnf installed the package. */
  readonly installedGreeter: string;
  /** The report read back from the list's mailbox over IMAP. */
  readonly report: { subject: string; text: string };
  /** The patchferry status note on the merge request at the end. */
  readonly statusNote: string;
  /** The mails of the series as the list received them (cover letter first). */
  readonly subjects: readonly string[];
  /** The commit master was at after the merge: the one built. */
  readonly master: string;
}

/** The variants of the run: builds on the Koji test hub instead of the local sandbox, and a
 * signed published tree that dnf installs from with gpgcheck=1 (the .repo file and its key). */
export interface E2eOptions {
  readonly koji?: boolean;
  readonly signed?: boolean;
}

export async function startE2eWorld(options: E2eOptions = {}): Promise<E2eWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'patchferry-e2e-'));
  // Apache's workers run as www-data: the published tree and the folders above it must be readable.
  chmodSync(dir, 0o755);
  // The author has a mailbox too: reports go to the series' sender as well as the list.
  const dovecot = await startDovecot({ otherUsers: ['tess'] });
  const mta = await startOpenSmtpd(dovecot.lmtpPort, 'example.org', { anyRecipient: true });
  const gitlab = new FakeGitLab(FORGE_TOKEN);
  const forgeUrl = await gitlab.listen();
  const repos = join(dir, 'repos');
  mkdirSync(repos);
  chmodSync(repos, 0o755);
  const httpd = await startHttpd(repos);
  const koji = options.koji ? await kojiBuilding(join(dir, 'koji')) : null;
  const signing = options.signed ? signingKey(join(dir, 'gnupg')) : null;

  // The hosted project and a developer's clone of it.
  const seed = join(dir, 'seed');
  noarchTree(seed);
  git(seed, ['init', '-q', '-b', 'master']);
  git(seed, ['add', '-A']);
  git(seed, ['commit', '-q', '-m', 'greeter: package']);
  const bare = join(dir, 'hello.git');
  git(dir, ['clone', '-q', '--bare', seed, bare]);
  gitlab.addProject('virt/hello', bare);
  const work = join(dir, 'work');
  git(dir, ['clone', '-q', bare, work]);

  const configFile = join(dir, 'patchferry.yml');
  writeFileSync(
    configFile,
    `state: { database: state/patchferry.db }
workDir: work-area
sources:
  - type: imap
    host: 127.0.0.1
    port: ${dovecot.imapPort}
    security: plain
    user: ${dovecot.user}
    passwordEnv: LIST_IMAP_PASSWORD
    mailboxes: [INBOX]
projects:
  hello: { git: ${bare}, forgePath: virt/hello, branches: [master], platforms: [el9] }
platforms:
  el9: ${koji ? '{ dist: .el9, arches: [x86_64], kojiTarget: epel9-candidate }' : '{ dist: .el9, arch: noarch }'}
forge: { type: gitlab, url: "${forgeUrl}", tokenEnv: GL_TOKEN, webhookSecretEnv: GL_HOOK_TOKEN }
builder:
${
  koji
    ? `  type: koji
  hub: "${koji.hub.hubUrl}"
  auth: { method: password, user: builder, passwordEnv: PF_KOJI_PASSWORD }
  pollSeconds: 0.05`
    : `  type: rpmbuild
  sandbox: bwrap
  limits: { cpuSeconds: 60, memoryMB: 2048, processes: 256, fileSizeMB: 16, diskMB: 64, tmpMB: 32 }`
}
publisher:
  root: ${repos}
  baseUrl: "${httpd.url}"
${signing ? `  signing: { gnupgHome: ${signing.home}, fingerprint: ${signing.fingerprint} }\n` : ''}reporter:
  from: patchferry <patchferry@example.org>
  listAddress: list@example.org
  smtp: { host: 127.0.0.1, port: ${mta.port}, security: plain }
`,
  );

  const serve: ChildProcess = spawn(
    process.execPath,
    ['bin/patchferry.mjs', 'serve', '--config', configFile, '--port', '0'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        LIST_IMAP_PASSWORD: dovecot.password,
        GL_TOKEN: FORGE_TOKEN,
        GL_HOOK_TOKEN: HOOK_TOKEN,
        PF_KOJI_PASSWORD: 'secret',
        PATCHFERRY_LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let log = '';
  serve.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  serve.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => serve.once('exit', () => resolve()));
  const stopAll = async () => {
    if (serve.exitCode === null) {
      serve.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
      if (serve.exitCode === null) serve.kill('SIGKILL');
    }
    await Promise.allSettled([mta.stop(), httpd.stop(), gitlab.close(), dovecot.destroy(), koji?.stop()]);
    if (signing)
      spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: signing.home } });
    rmSync(dir, { recursive: true, force: true });
  };

  let endpoint = '';
  let db: DatabaseSync | undefined;
  let imap: ImapFlow | undefined;
  try {
    await until(
      () => /Receiving GitLab webhooks at (http:\/\/\S+)/.test(out) && log.includes('"source read"'),
      30_000,
      () => `serve did not start:\n${out}\n${log}`,
      () => serve.exitCode === null,
    );
    endpoint = /Receiving GitLab webhooks at (http:\/\/\S+)/.exec(out)?.[1] ?? '';
    db = new DatabaseSync(join(dir, 'state', 'patchferry.db'), { readOnly: true });
    imap = await dovecot.client();
  } catch (e) {
    await stopAll();
    throw e;
  }
  const state = db;
  const reader = imap;
  let mrs = 0;

  return {
    dir,
    gitlab,
    dovecot,
    log: () => log,
    async metrics() {
      const response = await fetch(new URL('/metrics', endpoint));
      if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
      return response.text();
    },
    async run(name) {
      const diagnose = () => `serve's log:\n${log.split('\n').slice(-40).join('\n')}`;
      // Three commits, the last one changing what the installed program says.
      // Based on master as it is now, after the earlier runs' merges.
      git(work, ['fetch', '-q', 'origin']);
      git(work, ['checkout', '-q', '-B', name, 'origin/master']);
      commitFiles(work, `${name}: note the first step`, { [`${name}-1.txt`]: 'one\n' });
      commitFiles(work, `${name}: note the second step`, { [`${name}-2.txt`]: 'two\n' });
      commitFiles(work, `greeter: greet from ${name}`, {
        'greeter.sh': `#!/bin/sh\necho hello from ${name}\n`,
      });
      const outgoing = join(dir, `outgoing-${name}`);
      git(work, [
        'format-patch',
        '-q',
        '-3',
        '--cover-letter',
        '--numbered',
        '--subject-prefix=master PATCH hello',
        '-o',
        outgoing,
      ]);
      // The cover letter as a developer writes it.
      const coverFile = join(outgoing, '0000-cover-letter.patch');
      writeFileSync(
        coverFile,
        readFileSync(coverFile, 'utf8')
          .replace('*** SUBJECT HERE ***', `greeter: greet from ${name}`)
          .replace('*** BLURB HERE ***', 'Three steps towards a friendlier greeter.'),
      );

      const mailed = performance.now();
      git(work, [
        'send-email',
        '--confirm=never',
        '--suppress-cc=all',
        '--smtp-server=127.0.0.1',
        `--smtp-server-port=${mta.port}`,
        '--to=list@example.org',
        '--from=Tess Tester <tess@example.org>',
        '--quiet',
        outgoing,
      ]);
      const iid = ++mrs;
      await until(() => gitlab.mergeRequests('virt/hello').length >= iid, 30_000, diagnose);
      const mailToMrS = (performance.now() - mailed) / 1000;

      gitlab.merge('virt/hello', iid);
      const hooked = performance.now();
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-gitlab-event': 'Merge Request Hook',
          'x-gitlab-token': HOOK_TOKEN,
        },
        body: JSON.stringify(gitlab.mergeHook('virt/hello', iid)),
      });
      if (response.status !== 200) throw new Error(`merge webhook answered ${response.status}`);

      const master = git(bare, ['rev-parse', 'master']).trim();
      const published = state.prepare(
        `SELECT b.rpms, b.created_at, b.finished_at, p.url, p.repo_file_url FROM builds b JOIN publications p ON p.build_id = b.id
         WHERE b.branch = 'master' AND b.commit_id = ? AND b.state = 'succeeded'`,
      );
      let row: Record<string, unknown> | undefined;
      await until(
        () => (row = published.get(master)) !== undefined,
        60_000,
        () => `master ${master} not published; ${diagnose()}`,
      );
      const mergeToInstallableS = (performance.now() - hooked) / 1000;
      const found = row as {
        rpms: string;
        created_at: string;
        finished_at: string;
        url: string;
        repo_file_url: string;
      };
      const buildS = (Date.parse(found.finished_at) - Date.parse(found.created_at)) / 1000;
      const rpms = (JSON.parse(found.rpms) as string[]).map((p) => p.split('/').pop() ?? p);

      const installroot = join(dir, `installroot-${name}`);
      if (signing) {
        // As a user installs from a signed tree: the .repo file (gpgcheck=1, the key's URL) in
        // reposdir; dnf imports the key and checks every package's signature.
        const reposdir = join(dir, `yum.repos.d-${name}`);
        mkdirSync(reposdir);
        writeFileSync(join(reposdir, 'hello.repo'), await (await fetch(found.repo_file_url)).text());
        dnf(installroot, ['install', 'greeter'], { reposdir, gpgcheck: true });
      } else dnf(installroot, ['install', 'greeter'], { baseurl: found.url });
      const installedGreeter = readFileSync(join(installroot, 'usr/bin/greeter'), 'utf8');

      // The report on the list, read back over IMAP as a subscriber's client would.
      let report: { subject: string; text: string } | undefined;
      await until(
        () => report !== undefined,
        30_000,
        () => `no report mail for ${master}; ${diagnose()}`,
        undefined,
        async () => {
          const lock = await reader.getMailboxLock('INBOX');
          try {
            const sources: Buffer[] = [];
            for await (const m of reader.fetch({ from: 'patchferry@example.org' }, { source: true }))
              if (m.source) sources.push(m.source);
            for (const source of sources) {
              const mail = await simpleParser(source);
              const text = mail.text ?? '';
              if (rpms.some((r) => text.includes(r))) report = { subject: mail.subject ?? '', text };
            }
          } finally {
            lock.release();
          }
        },
      );

      const subjects: string[] = [];
      {
        const lock = await reader.getMailboxLock('INBOX');
        try {
          for await (const m of reader.fetch({ from: 'tess@example.org' }, { envelope: true }))
            if (m.envelope?.subject?.includes(name) || m.envelope?.subject?.includes(`greet from ${name}`))
              subjects.push(m.envelope.subject);
        } finally {
          lock.release();
        }
      }

      const statusNote = () =>
        gitlab
          .notes('virt/hello', iid)
          .map((n) => n.body)
          .find((b) => b.includes('patchferry-status')) ?? '';
      // The note is updated after the publication, as its own unit of work; wait until it names
      // the repository.
      await until(
        () => statusNote().includes(found.url),
        30_000,
        () => `status note never named the repository:\n${statusNote()}\n${diagnose()}`,
      );

      return {
        iid,
        mailToMrS,
        mergeToInstallableS,
        buildS,
        rpms,
        repoUrl: found.url,
        installedGreeter,
        report: report as { subject: string; text: string },
        statusNote: statusNote(),
        subjects,
        master,
      };
    },
    async stop() {
      state.close();
      await reader.logout().catch(() => undefined);
      await stopAll();
    },
  };
}

/** The Koji test hub as the builder, its scheduler ticking on its own, its build of each task the
 * real one: the uploaded SRPM rebuilt by rpmbuild (what a Koji builder does in its buildroot). */
async function kojiBuilding(dir: string): Promise<{ hub: KojiHub; stop: () => Promise<void> }> {
  const hub = new KojiHub();
  await hub.listen();
  hub.noarchPackages.add('greeter');
  hub.srpmBuilders.add('builder');
  hub.tasks.outcome = (build) => {
    const top = join(dir, String(Date.now()));
    mkdirSync(top, { recursive: true });
    const srpm = join(top, basename(build.src));
    writeFileSync(srpm, hub.uploads.get(build.src) ?? Buffer.alloc(0));
    const run = spawnSync(
      'rpmbuild',
      ['--rebuild', '--define', `_topdir ${top}`, '--define', 'dist .el9', srpm],
      { encoding: 'utf8' },
    );
    if (run.status !== 0) return { ok: false, buildLog: `${run.stdout}${run.stderr}`, rootLog: '' };
    const out = join(top, 'RPMS', 'noarch');
    return {
      ok: true,
      rpms: readdirSync(out).map((name) => ({ name, data: readFileSync(join(out, name)) })),
    };
  };
  const ticking = setInterval(() => hub.tasks.tick(), 20);
  return {
    hub,
    stop: async () => {
      clearInterval(ticking);
      await hub.close();
    },
  };
}

/** An ed25519 signing key without passphrase in a GnuPG home of its own. */
function signingKey(home: string): { home: string; fingerprint: string } {
  mkdirSync(home, { mode: 0o700 });
  const env = { ...process.env, GNUPGHOME: home };
  const uid = 'patchferry e2e <e2e@example.org>';
  execFileSync('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', uid, 'ed25519', 'sign', 'never'], {
    env,
    stdio: 'pipe',
  });
  const listing = execFileSync('gpg', ['--batch', '--with-colons', '--list-secret-keys', uid], {
    env,
    encoding: 'utf8',
  });
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(listing)?.[1];
  if (!fingerprint) throw new Error(`no fingerprint for ${uid}`);
  return { home, fingerprint };
}

/** Waits until `condition` holds (checked every 10 ms, or every 200 ms when `refresh` must run
 * first, e.g. an IMAP search); fails with `why()` after `ms`, or at once when `alive` turns false. */
async function until(
  condition: () => boolean,
  ms: number,
  why: () => string,
  alive?: () => boolean,
  refresh?: () => Promise<void>,
): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (refresh) await refresh();
    if (condition()) return;
    if (Date.now() > end || (alive && !alive())) throw new Error(why());
    await sleep(refresh ? 200 : 10);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
