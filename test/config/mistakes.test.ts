import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.ts';
import { pathProblems } from '../../src/config/paths.ts';
import { ConfigError } from '../../src/shared/errors.ts';
import { tempDir } from '../helpers/tmp.ts';

/** A careless operator's configuration mistakes: each ends in a sentence naming the key. */

const VALID = {
  state: { database: 'state/db.sqlite' },
  workDir: 'work',
  sources: [{ type: 'mbox', path: 'list.mbox' }],
  projects: { qemu: { git: 'https://git.example.org/qemu.git', branches: ['master'], platforms: ['el9'] } },
  platforms: { el9: { dist: '.el9', arch: 'x86_64' } },
  publisher: { root: 'repos', baseUrl: 'https://rpms.example.org/' },
  reporter: { from: 'patchferry <pf@example.org>', listAddress: 'list@example.org' },
};
type Doc = Record<string, unknown>;
const SECRET = 'glpat-Xy7sQ9vT3kLmN0pR2wZ4';

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

describe('secrets written into the configuration by mistake', () => {
  it('refuses a secret given where an environment variable name belongs, without echoing it', () => {
    const found = problems(
      (d) => (d.forge = { type: 'gitlab', url: 'https://gitlab.example.org', tokenEnv: SECRET }),
    );
    expect(
      found.some((p) => p.startsWith('forge.tokenEnv: expected the name of an environment variable')),
    ).toBe(true);
    expect(found.join('\n')).not.toContain(SECRET);
    expect(found.join('\n')).not.toContain('Xy7sQ9');
  });

  it('refuses credentials inside URLs, naming the key path and not the URL', () => {
    const found = problems((d) => {
      (d.projects as Record<string, Doc>).qemu = {
        git: `https://oauth2:${SECRET}@git.example.org/qemu.git`,
        branches: ['master'],
        platforms: ['el9'],
      };
      d.publisher = { root: 'repos', baseUrl: `https://${SECRET}@rpms.example.org/` };
    });
    expect(
      found.filter((p) => p.includes('holds credentials in the URL')).map((p) => p.split(':')[0]),
    ).toEqual(['publisher.baseUrl', 'projects.qemu.git']);
    expect(found.join('\n')).not.toContain(SECRET);
  });

  it('keeps an ssh user in a git URL: it is no secret', () => {
    const found = problems(
      (d) =>
        ((d.projects as Record<string, Doc>).qemu = {
          git: 'ssh://git@git.example.org/qemu.git',
          branches: ['master'],
          platforms: ['el9'],
        }),
    );
    expect(found).toEqual([]);
  });
});

describe('unencrypted transports', () => {
  const imap = (host: string) => ({ type: 'imap', host, security: 'plain', user: 'pf', passwordEnv: 'PW' });

  it('accepts security: plain for IMAP and SMTP on loopback hosts only', () => {
    for (const host of ['127.0.0.1', '::1', 'localhost', '127.0.0.53'])
      expect(
        problems((d) => {
          d.sources = [imap(host)];
          (d.reporter as Doc).smtp = { host, security: 'plain' };
        }),
        host,
      ).toEqual([]);
    const found = problems((d) => {
      d.sources = [{ type: 'mbox', path: 'list.mbox' }, imap('mail.example.org')];
      (d.reporter as Doc).smtp = { host: '192.0.2.7', security: 'plain' };
    });
    expect(found).toEqual([
      expect.stringMatching(
        /^sources\[1\]\.security: "plain" sends the password unencrypted.*not mail\.example\.org/,
      ),
      expect.stringMatching(
        /^reporter\.smtp\.security: "plain" .*not 192\.0\.2\.7; use "tls" or "starttls"$/,
      ),
    ]);
  });

  it('accepts an http:// forge (which always has a token) on loopback hosts only', () => {
    const forge = (url: string) => (d: Doc) => {
      d.forge = { type: 'gitlab', url, tokenEnv: 'GL_TOKEN' };
      (d.projects as Record<string, Doc>).qemu = { ...VALID.projects.qemu, forgePath: 'virt/qemu' };
    };
    expect(problems(forge('http://127.0.0.1:8929'))).toEqual([]);
    expect(problems(forge('http://gitlab.example.org'))).toEqual([
      expect.stringMatching(
        /^forge\.url: http:\/\/ would send its token unencrypted to gitlab\.example\.org/,
      ),
    ]);
  });

  it('normalises forge.url: a trailing slash or none is the same forge', () => {
    const url = (given: string) => {
      const doc = structuredClone(VALID) as Doc;
      doc.forge = { type: 'github', url: given, tokenEnv: 'GH_TOKEN' };
      (doc.projects as Record<string, Doc>).qemu = { ...VALID.projects.qemu, forgePath: 'virt/qemu' };
      return parseConfigText(JSON.stringify(doc), '/etc/pf.yml').forge?.url;
    };
    expect(url('https://ghe.example.org/api/v3/')).toBe('https://ghe.example.org/api/v3');
    expect(url('https://ghe.example.org/api/v3')).toBe('https://ghe.example.org/api/v3');
    expect(url('https://gitlab.example.org//')).toBe('https://gitlab.example.org');
  });
});

describe('work settings', () => {
  it('reports maxRetrySeconds below retrySeconds together with another mistake under work', () => {
    const found = problems((d) => (d.work = { maxAttempts: 0, retrySeconds: 100, maxRetrySeconds: 10 }));
    expect(found).toEqual([
      'work.maxAttempts: expected a whole number from 1 to 100, got 0',
      expect.stringMatching(/^work\.maxRetrySeconds: 10 is less than work\.retrySeconds \(100\)/),
    ]);
  });
});

describe('limits', () => {
  it('has sane defaults and refuses values that cannot be limits', () => {
    const doc = structuredClone(VALID) as Doc;
    const limits = parseConfigText(JSON.stringify(doc), '/etc/pf.yml').limits;
    expect(limits.mailBytes).toBe(10 * 1024 * 1024);
    expect(limits.partsPerSeries).toBe(100);
    expect(problems((d) => (d.limits = { partsPerSeries: 0, mailBytes: 1e300 }))).toEqual([
      'limits.mailBytes: expected bytes from 1024 to 1073741824, got 1e+300',
      'limits.partsPerSeries: expected a whole number from 1 to 10000, got 0',
    ]);
  });
});

describe('paths that must exist', () => {
  function loaded(dir: string, edit: (doc: Doc) => void = () => {}) {
    const doc = structuredClone(VALID) as Doc;
    edit(doc);
    return parseConfigText(JSON.stringify(doc), join(dir, 'patchferry.yml'));
  }

  it('names each missing source, local repository and unusable database by its key', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a-file'), '');
    const config = loaded(dir, (d) => {
      d.sources = [
        { type: 'mbox', path: 'missing.mbox' },
        { type: 'maildir', path: 'a-file' },
      ];
      (d.projects as Record<string, Doc>).qemu = { ...VALID.projects.qemu, git: 'upstream/qemu.git' };
      d.state = { database: 'a-file/state.db' };
    });
    expect(pathProblems(config)).toEqual([
      `sources[0].path: ${join(dir, 'missing.mbox')} does not exist; create it, or correct the path`,
      `sources[1].path: ${join(dir, 'a-file')} is not a folder`,
      `projects.qemu.git: ${join(dir, 'upstream/qemu.git')} does not exist; create it, or correct the path`,
      `state.database: ${join(dir, 'a-file/state.db')} cannot be made: ${join(dir, 'a-file')} is a file, not a folder`,
    ]);
  });

  it("names the rsync target's missing known_hosts and key files", () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'list.mbox'), '');
    mkdirSync(join(dir, 'upstream'));
    const target = { kind: 'rsync', host: 'h', user: 'u', path: '/srv/www', knownHosts: 'known_hosts' };
    const config = loaded(dir, (d) => ((d.publisher as Doc).target = { ...target, identityFile: 'id' }));
    expect(pathProblems(config)).toEqual([
      `publisher.target.knownHosts: ${join(dir, 'known_hosts')} does not exist; create it, or correct the path`,
      `publisher.target.identityFile: ${join(dir, 'id')} does not exist; create it, or correct the path`,
    ]);
    writeFileSync(join(dir, 'known_hosts'), '');
    expect(pathProblems(loaded(dir, (d) => ((d.publisher as Doc).target = target)))).toEqual([]);
  });

  it("names a platform's local base repository that does not exist", () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'list.mbox'), '');
    mkdirSync(join(dir, 'upstream'));
    mkdirSync(join(dir, 'base'));
    const config = loaded(dir, (d) => {
      const platforms = d.platforms as Record<string, Doc>;
      const [name = ''] = Object.keys(platforms);
      platforms[name] = {
        ...platforms[name],
        baseRepos: [`file://${join(dir, 'base')}`, '/nonexistent/repo', 'https://mirror.example/el9/'],
      };
    });
    const [name] = Object.keys(config.platforms);
    expect(pathProblems(config)).toEqual([
      `platforms.${name}.baseRepos[1]: /nonexistent/repo does not exist; create it, or correct the path`,
    ]);
  });

  it('refuses a database under /proc', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'list.mbox'), '');
    const config = loaded(dir, (d) => (d.state = { database: '/proc/self/fd/patchferry.db' }));
    expect(pathProblems(config)).toEqual([
      'state.database: /proc/self/fd/patchferry.db is under /proc, which the kernel fills; choose a path on a real disk',
    ]);
  });

  it('accepts folders patchferry makes itself, and a database folder still to be made', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'list.mbox'), '');
    mkdirSync(join(dir, 'upstream'));
    expect(pathProblems(loaded(dir))).toEqual([]);
  });
});

describe('broken YAML', () => {
  it('shows the first few YAML errors, not one per token after an unclosed bracket', () => {
    const text = `sources: [{ type: mbox, path: list.mbox }\n${'projects: { a: { b: c } }\n'.repeat(20)}`;
    let issues: readonly string[] = [];
    try {
      parseConfigText(text, '/etc/pf.yml');
    } catch (err) {
      if (err instanceof ConfigError) issues = err.issues;
    }
    expect(issues.length).toBe(6);
    expect(issues[5]).toMatch(/^YAML: … and \d+ more after these$/);
  });
});

describe('the test stage configured by mistake', () => {
  const project = (d: Doc) => (d.projects as Record<string, Doc>).qemu as Doc;
  const platform = (d: Doc) => (d.platforms as Record<string, Doc>).el9 as Doc;

  it('refuses two checks of one name, a check with nothing to run, and a base repository that is no URL', () => {
    expect(
      problems((d) => {
        project(d).tests = [
          { name: 'version', run: ['qemu-img', '--version'] },
          { name: 'version', run: ['qemu-img', '--help'] },
        ];
      }),
    ).toEqual([expect.stringMatching(/^projects\.qemu\.tests: two checks have the same name/)]);
    expect(problems((d) => (project(d).tests = [{ name: 'version', run: [] }]))).toEqual([
      expect.stringMatching(/^projects\.qemu\.tests\[0\]\.run/),
    ]);
    expect(problems((d) => (platform(d).baseRepos = ['mirror.example.org/el9/BaseOS']))).toEqual([
      expect.stringMatching(
        /^platforms\.el9\.baseRepos\[0\]: "mirror\.example\.org\/el9\/BaseOS" is not a repository URL/,
      ),
    ]);
  });

  it('takes an absolute path as a file:// base repository', () => {
    const doc = structuredClone(VALID) as Doc;
    platform(doc).baseRepos = [
      '/srv/mirror/el9/BaseOS',
      'https://mirror.example.org/el9/AppStream/x86_64/os/',
    ];
    const config = parseConfigText(JSON.stringify(doc), '/etc/patchferry.yml');
    expect(config.platforms.el9?.baseRepos).toEqual([
      'file:///srv/mirror/el9/BaseOS',
      'https://mirror.example.org/el9/AppStream/x86_64/os/',
    ]);
  });
});
