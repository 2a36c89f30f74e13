import { readFileSync } from 'node:fs';
import { KojiClient, type KojiLogin } from '../build/koji/client.ts';
import { KojiBuilder } from '../build/koji/koji-builder.ts';
import { TaskPoller } from '../build/koji/poller.ts';
import type { Config } from '../config/schema.ts';
import { ConfigError, errorMessage } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';

type KojiConfig = Extract<Config['builder'], { type: 'koji' }>;

/**
 * The Koji builder of the configuration: its client (login by certificate or password, the
 * hub's CA), one TaskPoller shared by every build of the process, the SCM URLs of projects whose
 * forge Koji trusts, and, with `cancelOnShutdown`, the builds it watches canceled on SIGTERM.
 * Errors: ConfigError naming the key when a file or secret it needs is missing.
 */
export function kojiBuilderFor(
  config: Config,
  c: KojiConfig,
  log: Logger,
  env: NodeJS.ProcessEnv,
): KojiBuilder {
  const kojiLog = log.child({ builder: 'koji' });
  const read = (key: string, path: string | undefined) => {
    if (path === undefined) return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError('configuration', [
        `builder.auth.${key}: cannot read ${path}: ${errorMessage(err)}`,
      ]);
    }
  };
  let login: KojiLogin;
  let tls: { cert?: string; key?: string; ca?: string } = { ca: read('ca', c.ca) };
  if (c.auth.method === 'ssl') {
    tls = { ...tls, cert: read('cert', c.auth.cert), key: read('key', c.auth.key) };
    login = { method: 'ssl' };
  } else if (c.auth.method === 'gssapi') {
    throw new ConfigError('configuration', [
      'builder.auth.method: GSSAPI login is not supported: use ssl or password',
    ]);
  } else {
    const password = env[c.auth.passwordEnv];
    if (!password) {
      throw new ConfigError('configuration', [
        `builder.auth.passwordEnv: the environment variable ${c.auth.passwordEnv} (the Koji password of ${c.auth.user}) is not set`,
      ]);
    }
    login = { method: 'password', user: c.auth.user, password };
  }
  const client = new KojiClient({ hub: { url: new URL(c.hub), tls }, login, log: kojiLog });
  const pollMs = c.pollSeconds * 1000;
  // A round answers every unit that asks within half a poll period: the units woken together.
  const poller = new TaskPoller({ client, log: kojiLog, freshMs: pollMs / 2 });
  const builder = new KojiBuilder({
    client,
    poller,
    topurl: c.topurl ?? new URL('/kojifiles', c.hub).toString(),
    log: kojiLog,
    pollMs,
    timeoutMs: c.timeoutMinutes * 60_000,
    ...(c.priority === undefined ? {} : { priority: c.priority }),
    scmUrl: (req) => {
      const scm = config.projects[req.project]?.kojiScm;
      return scm ? `${scm}#${req.commit}` : null;
    },
  });
  if (c.cancelOnShutdown) process.once('SIGTERM', () => void builder.cancelWatched());
  return builder;
}
