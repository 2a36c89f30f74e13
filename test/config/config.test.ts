import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfigText, readSecret } from '../../src/config/load.ts';
import { ConfigError } from '../../src/shared/errors.ts';
import { tempDir } from '../helpers/tmp.ts';

const VALID = {
  state: { database: 'state/db.sqlite' },
  workDir: 'work',
  sources: [{ type: 'mbox', path: 'list.mbox' }],
  projects: {
    qemu: {
      git: 'upstream/qemu.git',
      branches: ['master', 'stable-2.5'],
      spec: 'qemu.spec',
      platforms: ['el9'],
    },
  },
  platforms: { el9: { dist: '.el9', arch: 'x86_64' } },
  publisher: { root: 'repos', baseUrl: 'http://127.0.0.1:8080/' },
  reporter: { from: 'patchferry <pf@example.org>', listAddress: 'list@example.org' },
};

type Doc = Record<string, unknown>;

function problems(edit: (doc: Doc) => void): string[] {
  const doc = structuredClone(VALID) as Doc;
  edit(doc);
  try {
    parseConfigText(JSON.stringify(doc), '/etc/patchferry.yml');
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
  return [];
}

const project = (doc: Doc) =>
  (doc.projects as Record<string, Record<string, unknown>>).qemu as Record<string, unknown>;

describe('configuration validation', () => {
  it('reads releasever written as a YAML number as the string it means', () => {
    const config = parseConfigText(
      JSON.stringify({ ...VALID, platforms: { el9: { dist: '.el9', arch: 'x86_64', releasever: 9 } } }),
      '/etc/patchferry.yml',
    );
    expect(config.platforms.el9?.releasever).toBe('9');
  });

  it('reads a target with several arches, and the older one-arch form as one of them', () => {
    const doc = structuredClone(VALID) as Doc;
    doc.platforms = {
      el9: { dist: '.el9', arch: 'x86_64' },
      el10: { dist: '.el10', arches: ['x86_64', 'ppc64le', 'aarch64'], kojiTarget: 'el10-candidate' },
    };
    const config = parseConfigText(JSON.stringify(doc), '/etc/pf/patchferry.yml');
    expect(config.platforms.el9).toEqual({ dist: '.el9', arches: ['x86_64'] });
    expect(config.platforms.el10?.arches).toEqual(['x86_64', 'ppc64le', 'aarch64']);
    expect(config.projects.qemu).toMatchObject({ release: 'snapshot', prebuild: false });
  });

  it('accepts a valid file and resolves relative paths against its folder', () => {
    const config = parseConfigText(JSON.stringify(VALID), '/etc/pf/patchferry.yml');
    expect(config.state.database).toBe('/etc/pf/state/db.sqlite');
    expect(config.projects.qemu?.git).toBe('/etc/pf/upstream/qemu.git');
    expect(config.sources[0]).toEqual({ type: 'mbox', path: '/etc/pf/list.mbox', rejections: 'reply' });
    expect(config.builder).toMatchObject({
      type: 'rpmbuild',
      sandbox: 'bwrap',
      timeoutMinutes: 120,
      infrastructureRetries: 3,
    });
    expect(config.builder).toMatchObject({ limits: { processes: 1024, diskMB: 20480 } });
    expect(Object.isFrozen(config.projects)).toBe(true);
  });

  it('reads an rsync publish target, its key files next to the configuration', () => {
    const doc = structuredClone(VALID) as Doc;
    doc.publisher = {
      ...(doc.publisher as Doc),
      target: {
        kind: 'rsync',
        host: 'repo.example.org',
        user: 'pf',
        path: '/srv/www',
        knownHosts: 'known_hosts',
        identityFile: 'id_ed25519',
      },
    };
    const config = parseConfigText(JSON.stringify(doc), '/etc/pf/patchferry.yml');
    expect(config.publisher.target).toEqual({
      kind: 'rsync',
      host: 'repo.example.org',
      user: 'pf',
      port: 22,
      path: '/srv/www',
      knownHosts: '/etc/pf/known_hosts',
      identityFile: '/etc/pf/id_ed25519',
      connectTimeoutSeconds: 10,
    });
    expect(parseConfigText(JSON.stringify(VALID), '/etc/pf/patchferry.yml').publisher.target).toEqual({
      kind: 'local',
    });
  });

  it('leaves remote git URLs alone', () => {
    const doc = structuredClone(VALID);
    doc.projects.qemu.git = 'git@example.org:virt/qemu.git';
    expect(parseConfigText(JSON.stringify(doc), '/x/y.yml').projects.qemu?.git).toBe(
      'git@example.org:virt/qemu.git',
    );
  });

  it.each<[string, (doc: Doc) => void, string]>([
    [
      'an invalid branch name',
      (d) => (project(d).branches = ['master', 'ma ster']),
      'projects.qemu.branches[1]: "ma ster" is not a valid branch name',
    ],
    [
      'a branch ending in .lock',
      (d) => (project(d).branches = ['x.lock']),
      'projects.qemu.branches[0]: "x.lock" is not a valid branch name',
    ],
    [
      'an undefined platform',
      (d) => (project(d).platforms = ['el9', 'el8']),
      'projects.qemu.platforms[1]: "el8" is not a defined platform (defined: el9)',
    ],
    ['a missing key', (d) => delete d.workDir, 'workDir: is required'],
    [
      'a nightly schedule that is not a cron expression',
      (d) => (d.schedule = { nightly: '0 25 * * *' }),
      'schedule.nightly: "0 25 * * *" is not a cron expression such as "0 2 * * *"',
    ],
    [
      'a nightly schedule that never fires',
      (d) => (d.schedule = { nightly: '0 3 31 2 *' }),
      'schedule.nightly: "0 3 31 2 *" never fires: no date matches it (check the day and month)',
    ],
    [
      'an unknown key ending in "Key" (not taken for a secret)',
      (d) => (d.reporter = { ...(d.reporter as object), bogusKey: 1 }),
      'reporter.bogusKey: unknown key',
    ],
    [
      'projects given as a number',
      (d) => (d.projects = 42),
      'projects: expected a mapping of names (name: value, …), got number 42',
    ],
    [
      'an unknown time zone',
      (d) => (d.schedule = { nightly: '0 2 * * *', timezone: 'Mars/Olympus' }),
      'schedule.timezone: "Mars/Olympus" is not a time zone such as "UTC" or "Europe/Berlin"',
    ],
    ['an unknown key', (d) => (d.colour = 'blue'), 'colour: unknown key'],
    [
      'a secret written in the file',
      (d) => ((d.reporter as Doc).smtp = { host: 'h', password: 'x' }),
      'reporter.smtp.password: secrets are never written in the file',
    ],
    [
      'an invalid environment variable name',
      (d) => ((d.reporter as Doc).smtp = { host: 'h', passwordEnv: 'lower' }),
      // The value itself is not shown: what lands here by mistake is most often the secret.
      'reporter.smtp.passwordEnv: expected the name of an environment variable',
    ],
    [
      'an unknown source type',
      (d) => (d.sources = [{ type: 'pop3' }]),
      'sources[0].type: "pop3" is not a known type',
    ],
    ['an empty source list', (d) => (d.sources = []), 'sources:'],
    [
      'a base URL that is not http',
      (d) => ((d.publisher as Doc).baseUrl = 'ftp://x/'),
      'publisher.baseUrl: "ftp://x/" is not an http(s) URL',
    ],
    [
      'a bad dist tag',
      (d) => ((d.platforms as Record<string, Doc>).el9 = { dist: 'el9', arch: 'x86_64' }),
      'platforms.el9.dist: expected a dist tag such as ".el9"',
    ],
    [
      'a bad arch',
      (d) => ((d.platforms as Record<string, Doc>).el9 = { dist: '.el9', arch: 'X 86' }),
      'platforms.el9.arch: expected an RPM architecture',
    ],
    [
      'both arch and arches',
      (d) =>
        ((d.platforms as Record<string, Doc>).el9 = { dist: '.el9', arch: 'x86_64', arches: ['x86_64'] }),
      'platforms.el9: give the arches to build',
    ],
    [
      'no arches',
      (d) => ((d.platforms as Record<string, Doc>).el9 = { dist: '.el9', arches: [] }),
      'platforms.el9.arches: ',
    ],
    [
      'a bad project name',
      (d) => (d.projects = { 'my project': project(d) }),
      'projects.my project: "my project" is not a valid name',
    ],
    ['no projects', (d) => (d.projects = {}), 'projects: at least one project is required'],
    [
      'a remote publish path that is not absolute',
      (d) =>
        ((d.publisher as Doc).target = { kind: 'rsync', host: 'h', user: 'u', path: 'www', knownHosts: 'k' }),
      'publisher.target.path: expected an absolute path on the remote host',
    ],
    [
      'a remote publish target without known_hosts',
      (d) => ((d.publisher as Doc).target = { kind: 'rsync', host: 'h', user: 'u', path: '/www' }),
      'publisher.target.knownHosts: is required',
    ],
    [
      'a host name read as an ssh option',
      (d) =>
        ((d.publisher as Doc).target = {
          kind: 'rsync',
          host: '-oProxyCommand=x',
          user: 'u',
          path: '/w',
          knownHosts: 'k',
        }),
      'publisher.target.host:',
    ],
    [
      'a known_hosts path ssh would split',
      (d) =>
        ((d.publisher as Doc).target = {
          kind: 'rsync',
          host: 'h',
          user: 'u',
          path: '/w',
          knownHosts: 'my hosts',
        }),
      'publisher.target.knownHosts: "my hosts" holds a space',
    ],
    ...['nightly', 'testing', 'stable', 'patches', 'RPM-GPG-KEY-patchferry', 'index.html'].map(
      (name): [string, (doc: Doc) => void, string] => [
        `a project named like the published tree's top-level "${name}"`,
        (d) => (d.projects = { [name]: project(d) }),
        `projects.${name}: "${name}" is a name the published tree uses at its top`,
      ],
    ),
    [
      'a bad subject pattern',
      (d) => (d.subjects = { pattern: '([' }),
      'subjects.pattern: "([" is not a valid regular expression',
    ],
    [
      'a wrong type',
      (d) => (project(d).branches = 'master'),
      'projects.qemu.branches: expected a list, got string "master"',
    ],
    ['an unknown forge', (d) => (d.forge = { type: 'gitea' }), 'forge.type: "gitea" is not a known type'],
    [
      'a port out of range',
      (d) => ((d.reporter as Doc).smtp = { host: 'h', port: 70000 }),
      'reporter.smtp.port:',
    ],
    [
      'a retry delay past any date (every run crashed: Invalid time value)',
      (d) => (d.work = { retrySeconds: 1e300 }),
      'work.retrySeconds: expected seconds above 0, at most 86400 (a day), got 1e+300',
    ],
    [
      'a longest retry delay above a week',
      (d) => (d.work = { maxRetrySeconds: 604801 }),
      'work.maxRetrySeconds: expected seconds above 0, at most 604800 (a week), got 604801',
    ],
    [
      'a longest retry delay below the first one',
      (d) => (d.work = { retrySeconds: 60, maxRetrySeconds: 30 }),
      'work.maxRetrySeconds: 30 is less than work.retrySeconds (60); the longest wait between retries cannot be shorter than the first: raise it',
    ],
    [
      'a first retry delay above the default longest one',
      (d) => (d.work = { retrySeconds: 7200 }),
      'work.maxRetrySeconds: 3600 (the default) is less than work.retrySeconds (7200)',
    ],
    [
      'a lease too short to be renewed',
      (d) => (d.work = { leaseSeconds: 0.001 }),
      'work.leaseSeconds: expected seconds from 10 to 86400 (a day), got 0.001',
    ],
    [
      'a lease above a day',
      (d) => (d.work = { leaseSeconds: 86401 }),
      'work.leaseSeconds: expected seconds from 10 to 86400 (a day), got 86401',
    ],
    [
      'a shutdown wait setTimeout cannot keep (it fired at once)',
      (d) => (d.work = { shutdownSeconds: 2147484 }),
      'work.shutdownSeconds: expected seconds above 0, at most 3600 (an hour), got 2147484',
    ],
    [
      'a shutdown wait of 0',
      (d) => (d.work = { shutdownSeconds: 0 }),
      'work.shutdownSeconds: expected seconds above 0, at most 3600 (an hour), got 0',
    ],
    [
      'more than 100 attempts',
      (d) => (d.work = { maxAttempts: 101 }),
      'work.maxAttempts: expected a whole number from 1 to 100, got 101',
    ],
    [
      'a fractional number of attempts',
      (d) => (d.work = { maxAttempts: 2.5 }),
      'work.maxAttempts: expected a whole number from 1 to 100, got 2.5',
    ],
    [
      'a number of seconds written as a string',
      (d) => (d.work = { retrySeconds: '30' }),
      'work.retrySeconds: expected seconds above 0, at most 86400 (a day), got "30"',
    ],
  ])('rejects %s, naming the key path', (_name, edit, expected) => {
    const found = problems(edit);
    expect(
      found.some((p) => p.startsWith(expected)),
      `got: ${found.join(' | ')}`,
    ).toBe(true);
  });

  it("says YAML's .inf and .nan are out of bounds, instead of calling them numbers that are null", () => {
    const doc = { ...VALID, work: { retrySeconds: 'INF', maxRetrySeconds: 'NAN', maxAttempts: '-INF' } };
    const yaml = JSON.stringify(doc)
      .replace('"INF"', '.inf')
      .replace('"NAN"', '.nan')
      .replace('"-INF"', '-.inf');
    let issues: readonly string[] = [];
    try {
      parseConfigText(yaml, '/etc/patchferry.yml');
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      issues = err.issues;
    }
    expect(issues).toEqual([
      'work.maxAttempts: expected a whole number from 1 to 100, got -.inf',
      'work.retrySeconds: expected seconds above 0, at most 86400 (a day), got .inf',
      'work.maxRetrySeconds: expected seconds above 0, at most 604800 (a week), got .nan',
    ]);
  });

  it('accepts the bounds of the work settings, and the quick retries of the test worlds', () => {
    const work = (w: Doc) => parseConfigText(JSON.stringify({ ...VALID, work: w }), '/x/y.yml').work;
    expect(
      work({
        maxAttempts: 100,
        deliveryAttempts: 100,
        builders: 64,
        retrySeconds: 86400,
        maxRetrySeconds: 604800,
        leaseSeconds: 86400,
        shutdownSeconds: 3600,
      }),
    ).toEqual({
      maxAttempts: 100,
      deliveryAttempts: 100,
      builders: 64,
      retrySeconds: 86400,
      maxRetrySeconds: 604800,
      leaseSeconds: 86400,
      shutdownSeconds: 3600,
    });
    expect(work({ maxAttempts: 1, leaseSeconds: 10, shutdownSeconds: 0.5 })).toMatchObject({
      leaseSeconds: 10,
    });
    expect(work({ maxAttempts: 100, retrySeconds: 0.05, maxRetrySeconds: 0.2 })).toMatchObject({
      retrySeconds: 0.05,
      maxRetrySeconds: 0.2,
    });
    expect(work({})).toEqual({
      maxAttempts: 5,
      deliveryAttempts: 20,
      builders: 2,
      retrySeconds: 30,
      maxRetrySeconds: 3600,
      leaseSeconds: 300,
      shutdownSeconds: 30,
    });
  });

  it('refuses builds outside the sandbox unless the senders are trusted', () => {
    expect(problems((doc) => (doc.builder = { type: 'rpmbuild', sandbox: 'none' }))).toEqual([
      expect.stringMatching(
        /^builder\.sandbox: "none" runs the code of every mailed patch .* needs trust\.senders/,
      ),
    ]);
    const trusted = (doc: Doc) => {
      doc.builder = { type: 'rpmbuild', sandbox: 'none' };
      doc.trust = { senders: ['@example.org'] };
    };
    expect(problems(trusted)).toEqual([]);
  });

  it('names the build limit that is out of bounds', () => {
    expect(problems((doc) => (doc.builder = { type: 'rpmbuild', limits: { processes: 0 } }))).toEqual([
      'builder.limits.processes: expected a whole number from 1 to 65536, got 0',
    ]);
  });

  it('reports every problem at once', () => {
    const found = problems((d) => {
      delete d.workDir;
      project(d).branches = ['a b'];
    });
    expect(found).toHaveLength(2);
  });

  it('names the file and the YAML error for unreadable YAML', () => {
    expect(() => parseConfigText('state: [unclosed', '/etc/pf.yml')).toThrow(/\/etc\/pf.yml: .*YAML/s);
  });

  it('rejects duplicate keys', () => {
    expect(() => parseConfigText('workDir: a\nworkDir: b\n', '/etc/pf.yml')).toThrow(/YAML/);
  });

  it('loads the commented example in examples/', () => {
    const config = loadConfig(join(import.meta.dirname, '../../examples/patchferry.yml'));
    expect(Object.keys(config.projects)).toEqual(['qemu', 'libvirt']);
  });

  it('says which file is missing', () => {
    expect(() => loadConfig('/nonexistent/patchferry.yml')).toThrow(
      /\/nonexistent\/patchferry.yml: .*cannot read/s,
    );
  });

  it('loads YAML from disk', () => {
    const dir = tempDir();
    const file = join(dir, 'pf.yml');
    writeFileSync(file, JSON.stringify(VALID));
    expect(loadConfig(file).workDir).toBe(join(dir, 'work'));
  });
});

describe('secrets', () => {
  it('reads a secret from the named environment variable', () => {
    expect(readSecret('PF_PASS', 'reporter.smtp.passwordEnv', { PF_PASS: 's3cret' })).toBe('s3cret');
  });

  it('says which variable to set when it is missing', () => {
    expect(() => readSecret('PF_PASS', 'reporter.smtp.passwordEnv', {})).toThrow(
      /reporter.smtp.passwordEnv: environment variable PF_PASS is not set/,
    );
  });
});

describe('the koji builder in the configuration', () => {
  const koji = (doc: Doc, extra: Doc = {}) => {
    doc.builder = {
      type: 'koji',
      hub: 'https://koji.example.org/kojihub',
      auth: { method: 'ssl', cert: 'pf.pem', key: 'pf.key' },
      ...extra,
    };
    doc.platforms = { el9: { dist: '.el9', arches: ['x86_64', 'aarch64'], kojiTarget: 'epel9-candidate' } };
  };

  it('loads a hub with certificate login, the PEM files next to the configuration file', () => {
    const doc = structuredClone(VALID) as Doc;
    koji(doc, { ca: 'ca.pem' });
    const config = parseConfigText(JSON.stringify(doc), '/etc/pf/patchferry.yml');
    expect(config.builder).toMatchObject({
      type: 'koji',
      ca: '/etc/pf/ca.pem',
      auth: { method: 'ssl', cert: '/etc/pf/pf.pem', key: '/etc/pf/pf.key' },
      pollSeconds: 30,
      cancelOnShutdown: false,
    });
  });

  it('refuses GSSAPI login with a sentence saying what to use', () => {
    expect(problems((d) => koji(d, { auth: { method: 'gssapi' } })).join('\n')).toMatch(
      /builder\.auth.*GSSAPI \(Kerberos\) login is not supported: use method: ssl/,
    );
  });

  it('wants a Koji target on every platform a project builds, and release: spec with kojiScm', () => {
    const issues = problems((d) => {
      koji(d);
      d.platforms = { el9: { dist: '.el9', arch: 'x86_64' } };
      project(d).kojiScm = 'git+https://forge.example.org/virt/qemu.git';
    });
    expect(issues.join('\n')).toMatch(/platforms\.el9\.kojiTarget: is required with the koji builder/);
    expect(issues.join('\n')).toMatch(/projects\.qemu\.kojiScm: .*set release: spec/);
  });
});
