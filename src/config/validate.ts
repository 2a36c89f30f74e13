import type { z } from 'zod';
import { ConfigError } from '../shared/errors.ts';
import { WORK_DEFAULTS, configSchema, type Config } from './schema.ts';
import { RESERVED_TOP_LEVEL } from '../publish/layout.ts';
import { transportProblems } from './transport.ts';

/** Validates a parsed configuration document; every problem is reported at once, by key path. */
export function validateConfig(document: unknown, source: string): Config {
  const result = configSchema.safeParse(document, { reportInput: true });
  const issues = [
    ...(result.success ? [] : result.error.issues.flatMap(describeIssue)),
    ...crossReferences(document),
    ...reservedProjectNames(document),
    ...unsandboxedBuilds(document),
    ...retryOrder(document),
    ...transportProblems(document),
    ...kojiReferences(document),
  ];
  if (!result.success || issues.length > 0) throw new ConfigError(source, issues);
  return deepFreeze(result.data);
}

/** Names used before they are defined; checked on the raw document so that they are reported
 * together with every other problem, not only once the rest is valid. */
function crossReferences(document: unknown): string[] {
  const doc = asRecord(document);
  const platforms = Object.keys(asRecord(doc.platforms));
  const withForge = doc.forge !== undefined;
  return Object.entries(asRecord(doc.projects)).flatMap(([name, project]) => {
    const forgePath =
      withForge && asRecord(project).forgePath === undefined
        ? [
            `${formatPath(['projects', name, 'forgePath'])}: is required with a forge (the repository's path on it, e.g. "virt/${name}")`,
          ]
        : [];
    const used = asRecord(project).platforms;
    if (!Array.isArray(used)) return forgePath;
    return forgePath.concat(
      used.flatMap((p, i) =>
        typeof p === 'string' && !platforms.includes(p)
          ? [
              `${formatPath(['projects', name, 'platforms', i])}: "${p}" is not a defined platform (defined: ${platforms.join(', ') || 'none'})`,
            ]
          : [],
      ),
    );
  });
}

/** A project's tree sits at the top of the published tree, beside the channels, the patches archive
 * and the root's own files (publish/layout.ts): a project named like one of them would collide. */
function reservedProjectNames(document: unknown): string[] {
  return Object.keys(asRecord(asRecord(document).projects))
    .filter((name) => RESERVED_TOP_LEVEL.includes(name))
    .map(
      (name) =>
        `${formatPath(['projects', name])}: "${name}" is a name the published tree uses at its top (reserved: ${RESERVED_TOP_LEVEL.filter((n) => !n.startsWith('.')).join(', ')}); give the project another name`,
    );
}

/** builder.sandbox: none runs every spec's code on the host: only for senders the config trusts. */
function unsandboxedBuilds(document: unknown): string[] {
  const doc = asRecord(document);
  if (asRecord(doc.builder).sandbox !== 'none') return [];
  const senders = asRecord(doc.trust).senders;
  if (Array.isArray(senders) && senders.length > 0) return [];
  return [
    'builder.sandbox: "none" runs the code of every mailed patch on this machine with its files and network; it needs trust.senders (the addresses whose series are applied), or keep "bwrap"',
  ];
}

/** The longest wait between retries cannot be shorter than the first. Checked whatever else is
 * wrong under work:, so that config check lists this mistake together with the others. */
function retryOrder(document: unknown): string[] {
  const work = asRecord(asRecord(document).work);
  const first = work.retrySeconds ?? WORK_DEFAULTS.retrySeconds;
  const longest = work.maxRetrySeconds ?? WORK_DEFAULTS.maxRetrySeconds;
  if (typeof first !== 'number' || typeof longest !== 'number' || !(longest < first)) return [];
  const given = work.maxRetrySeconds === undefined ? ' (the default)' : '';
  return [
    `work.maxRetrySeconds: ${longest}${given} is less than work.retrySeconds (${first}); the longest wait between retries cannot be shorter than the first: raise it`,
  ];
}

/** With the koji builder, every platform a project builds needs its Koji target; a project built
 * from its SCM URL gets the spec's own Release (Koji builds the spec as committed). */
function kojiReferences(document: unknown): string[] {
  const doc = asRecord(document);
  const koji = asRecord(doc.builder).type === 'koji';
  const platforms = asRecord(doc.platforms);
  const issues = Object.entries(asRecord(doc.projects)).flatMap(([name, raw]) => {
    const project = asRecord(raw);
    const issues: string[] = [];
    if (project.kojiScm !== undefined && !koji) {
      issues.push(
        `${formatPath(['projects', name, 'kojiScm'])}: is used by the koji builder only (builder.type: koji)`,
      );
    }
    if (project.kojiScm !== undefined && project.release !== 'spec') {
      issues.push(
        `${formatPath(['projects', name, 'kojiScm'])}: Koji builds the spec as committed from the SCM URL, so its Release cannot be rewritten: set release: spec (and bump it in the spec), or drop kojiScm to upload snapshot SRPMs`,
      );
    }
    if (!koji || !Array.isArray(project.platforms)) return issues;
    for (const p of project.platforms) {
      const platform = typeof p === 'string' ? platforms[p] : undefined;
      if (platform !== undefined && asRecord(platform).kojiTarget === undefined) {
        issues.push(
          `${formatPath(['platforms', p as string, 'kojiTarget'])}: is required with the koji builder (the Koji build target to build ${name} on)`,
        );
      }
    }
    return issues;
  });
  return [...new Set(issues)];
}

function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out || '(top level)';
}

// Names a secret goes under: `password`, `smtpToken`, `webhookSecret`, `apiKey`; not `bogusKey`.
const SECRET_KEY = /(password|passphrase|token|secret|apikey|privatekey)$/i;

function describeIssue(issue: z.core.$ZodIssue): string[] {
  const at = formatPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => {
        const where = formatPath([...issue.path, key]);
        return SECRET_KEY.test(key)
          ? `${where}: secrets are never written in the file; put it in an environment variable and name that variable with "${key}Env"`
          : `${where}: unknown key`;
      });
    case 'invalid_type':
      return [
        issue.input === undefined
          ? `${at}: is required`
          : issue.path.length === 0 && issue.input === null
            ? '(top level): the file is empty; start from examples/patchferry.yml'
            : `${at}: expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${typeName(issue.input)}`,
      ];
    case 'invalid_union':
      if ('discriminator' in issue && typeof issue.discriminator === 'string') {
        const input = (issue as { input?: unknown }).input;
        const got =
          input && typeof input === 'object'
            ? (input as Record<string, unknown>)[issue.discriminator]
            : undefined;
        // zod puts the discriminator at the end of the path already.
        return [`${at}: ${JSON.stringify(got ?? null)} is not a known ${issue.discriminator}`];
      }
      return [`${at}: ${issue.message}`];
    case 'invalid_key':
      return issue.issues.map((inner) => `${at}: ${inner.message}`);
    default:
      return [`${at}: ${issue.message}`];
  }
}

/** zod's type names in the words YAML users know. */
const EXPECTED: Record<string, string> = {
  record: 'a mapping of names (name: value, …)',
  object: 'a mapping (key: value, …)',
  array: 'a list',
};

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
