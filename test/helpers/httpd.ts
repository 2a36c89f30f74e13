import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './dovecot.ts';
import { until } from './until.ts';

const APACHE = '/usr/sbin/apache2';
const MODULES = '/usr/lib/apache2/modules';

/** Whether a throwaway Apache httpd can run here; outside CI its absence skips with a line saying
 * why, under CI=true it fails (ci/setup --test installs apache2). */
export function httpdAvailable(what: string): boolean {
  if (existsSync(APACHE) && existsSync(join(MODULES, 'mod_mpm_event.so'))) return true;
  if (process.env.CI === 'true')
    throw new Error(`${what} cannot run: ${APACHE} missing; ci/setup --test installs apache2`);
  console.warn(`${what} skipped: ${APACHE} missing (run ci/setup --test)`);
  return false;
}

export interface Httpd {
  readonly url: string;
  stop(): Promise<void>;
}

export interface HttpdOptions {
  /** Modules loaded besides the base ones (e.g. `headers`, `alias`). */
  readonly modules?: readonly string[];
  /** Lines appended to the configuration (an Include of an example, its Defines). */
  readonly extra?: readonly string[];
}

/**
 * Starts Apache httpd on 127.0.0.1 with a throwaway configuration serving `root` (symbolic links
 * followed, directory listings on, mod_dir's index.html): the host the published tree goes to.
 * As root its workers run as www-data, so the tree must be world-readable.
 */
export async function startHttpd(root: string, options: HttpdOptions = {}): Promise<Httpd> {
  const dir = mkdtempSync(join(tmpdir(), 'patchferry-httpd-'));
  const port = await freePort();
  const conf = join(dir, 'httpd.conf');
  const modules = [
    'mpm_event',
    'authz_core',
    'dir',
    'autoindex',
    'mime',
    'unixd',
    ...(options.modules ?? []),
  ];
  writeFileSync(
    conf,
    [
      'ServerRoot /etc/apache2',
      'ServerName 127.0.0.1',
      `Listen 127.0.0.1:${port}`,
      ...modules
        .filter((m) => existsSync(join(MODULES, `mod_${m}.so`)))
        .map((m) => `LoadModule ${m}_module ${MODULES}/mod_${m}.so`),
      ...(process.getuid?.() === 0 ? ['User www-data', 'Group www-data'] : []),
      `PidFile ${join(dir, 'httpd.pid')}`,
      `ErrorLog ${join(dir, 'error.log')}`,
      'TypesConfig /etc/mime.types',
      `DocumentRoot ${root}`,
      `<Directory ${root}>`,
      '  Options +FollowSymLinks +Indexes',
      '  Require all granted',
      '</Directory>',
      'DirectoryIndex index.html',
      ...(options.extra ?? []),
      '',
    ].join('\n'),
  );
  execFileSync(APACHE, ['-f', conf, '-k', 'start'], { stdio: 'pipe' });
  const url = `http://127.0.0.1:${port}/`;
  const started = Date.now();
  for (;;) {
    const ok = await fetch(url).then(
      () => true,
      () => false,
    );
    if (ok) break;
    if (Date.now() - started > 5000)
      throw new Error(`httpd did not answer: ${readFileSync(join(dir, 'error.log'), 'utf8')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    async stop() {
      const pidFile = join(dir, 'httpd.pid');
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : null;
      try {
        execFileSync(APACHE, ['-f', conf, '-k', 'stop'], { stdio: 'pipe' });
      } catch {
        if (pid) process.kill(pid, 'SIGKILL');
      }
      if (pid) await until(() => !existsSync(`/proc/${pid}`), 5000).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
