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
  it('accepts a valid file and resolves relative paths against its folder', () => {
    const config = parseConfigText(JSON.stringify(VALID), '/etc/pf/patchferry.yml');
    expect(config.state.database).toBe('/etc/pf/state/db.sqlite');
    expect(config.projects.qemu?.git).toBe('/etc/pf/upstream/qemu.git');
    expect(config.sources[0]).toEqual({ type: 'mbox', path: '/etc/pf/list.mbox' });
    expect(config.builder).toEqual({ type: 'rpmbuild' });
    expect(Object.isFrozen(config.projects)).toBe(true);
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
    ['an unknown key', (d) => (d.colour = 'blue'), 'colour: unknown key'],
    [
      'a secret written in the file',
      (d) => ((d.reporter as Doc).smtp = { host: 'h', password: 'x' }),
      'reporter.smtp.password: secrets are never written in the file',
    ],
    [
      'an invalid environment variable name',
      (d) => ((d.reporter as Doc).smtp = { host: 'h', passwordEnv: 'lower' }),
      'reporter.smtp.passwordEnv: "lower" is not an environment variable name',
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
      'a bad project name',
      (d) => (d.projects = { 'my project': project(d) }),
      'projects.my project: "my project" is not a valid name',
    ],
    ['no projects', (d) => (d.projects = {}), 'projects: at least one project is required'],
    [
      'a bad subject pattern',
      (d) => (d.subjects = { pattern: '([' }),
      'subjects.pattern: "([" is not a valid regular expression',
    ],
    [
      'a wrong type',
      (d) => (project(d).branches = 'master'),
      'projects.qemu.branches: expected array, got string "master"',
    ],
    ['an unknown forge', (d) => (d.forge = { type: 'gitea' }), 'forge.type: "gitea" is not a known type'],
    [
      'a port out of range',
      (d) => ((d.reporter as Doc).smtp = { host: 'h', port: 70000 }),
      'reporter.smtp.port:',
    ],
  ])('rejects %s, naming the key path', (_name, edit, expected) => {
    const found = problems(edit);
    expect(
      found.some((p) => p.startsWith(expected)),
      `got: ${found.join(' | ')}`,
    ).toBe(true);
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
