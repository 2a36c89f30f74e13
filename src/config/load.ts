import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError, errorMessage } from '../shared/errors.ts';
import type { Config } from './schema.ts';
import { validateConfig } from './validate.ts';

/** Reads, validates and freezes a YAML configuration; relative paths are taken from the file's folder. */
export function loadConfig(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read the configuration file: ${errorMessage(err)}`]);
  }
  return parseConfigText(text, file);
}

const YAML_ERRORS_SHOWN = 5;

export function parseConfigText(text: string, file: string): Config {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // One mistake (an unclosed bracket) makes the parser report every token after it: the first
    // few say where; the rest is noise.
    const shown = doc.errors
      .slice(0, YAML_ERRORS_SHOWN)
      .map((e) => `YAML: ${(e.message.split('\n')[0] ?? '').replace(/:$/, '')}`);
    const more = doc.errors.length - shown.length;
    throw new ConfigError(file, more > 0 ? [...shown, `YAML: … and ${more} more after these`] : shown);
  }
  const config = validateConfig(doc.toJS(), file);
  return resolvePaths(config, dirname(resolve(file)));
}

/** Local paths in the file mean "next to the file", whoever runs patchferry from wherever. */
function resolvePaths(config: Config, base: string): Config {
  const at = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const local = (g: string) => (/^[a-z+]+:\/\//i.test(g) || /^[^/]+@[^/]+:/.test(g) ? g : at(g));
  return Object.freeze({
    ...config,
    state: Object.freeze({
      database: config.state.database === ':memory:' ? ':memory:' : at(config.state.database),
    }),
    workDir: at(config.workDir),
    sources: Object.freeze(
      config.sources.map((s) =>
        s.type === 'imap'
          ? Object.freeze({ ...s, ...(s.caFile ? { caFile: at(s.caFile) } : {}) })
          : Object.freeze({ ...s, path: at(s.path) }),
      ),
    ),
    projects: Object.freeze(
      Object.fromEntries(
        Object.entries(config.projects).map(([n, p]) => [n, Object.freeze({ ...p, git: local(p.git) })]),
      ),
    ),
    builder: Object.freeze(kojiPaths(config.builder, at)),
    publisher: Object.freeze({
      ...config.publisher,
      root: at(config.publisher.root),
      target: Object.freeze(publishTargetPaths(config.publisher.target, at)),
    }),
    trust: Object.freeze({
      ...config.trust,
      ...(config.trust.keyring ? { keyring: at(config.trust.keyring) } : {}),
    }),
    reporter: Object.freeze({
      ...config.reporter,
      ...(config.reporter.outbox ? { outbox: at(config.reporter.outbox) } : {}),
    }),
  }) as Config;
}

/** The rsync target's key and known_hosts files next to the file too. */
function publishTargetPaths(
  t: Config['publisher']['target'],
  at: (p: string) => string,
): Config['publisher']['target'] {
  if (t.kind !== 'rsync') return t;
  return {
    ...t,
    knownHosts: at(t.knownHosts),
    ...(t.identityFile ? { identityFile: at(t.identityFile) } : {}),
  };
}

/** The Koji builder's PEM files (its CA, the client certificate and key) next to the file too. */
function kojiPaths(b: Config['builder'], at: (p: string) => string): Config['builder'] {
  if (b.type !== 'koji') return b;
  const auth = b.auth.method === 'ssl' ? { ...b.auth, cert: at(b.auth.cert), key: at(b.auth.key) } : b.auth;
  return { ...b, ...(b.ca ? { ca: at(b.ca) } : {}), auth };
}

/** The value of a secret named in the configuration, or an error saying which variable to set. */
export function readSecret(envName: string, keyPath: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[envName];
  if (value === undefined || value === '') {
    throw new ConfigError(keyPath, [
      `${keyPath}: environment variable ${envName} is not set; export it before running`,
    ]);
  }
  return value;
}
