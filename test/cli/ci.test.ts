import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { commitFiles, formatPatches, makeRepo } from '../helpers/git.ts';
import { tempDir } from '../helpers/tmp.ts';

function io(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      out: (l: string) => out.push(l),
      err: (l: string) => err.push(l),
      env,
      interrupted: () => new Promise<void>(() => {}),
    },
  };
}

describe('patchferry ci', () => {
  it('without a stage is a usage error that lists the stages', async () => {
    const t = io({ CI_PIPELINE_SOURCE: 'push' });
    expect(await main(['ci'], t.io)).toBe(2);
    expect(t.err.join('\n')).toMatch(/sync, build, publish/);
  });

  it('outside a pipeline job is a usage error that says what to run instead', async () => {
    const t = io({ PATCHFERRY_CONFIG: 'examples/patchferry.yml' });
    expect(await main(['ci', 'build'], t.io)).toBe(2);
    expect(t.err.join('\n')).toMatch(/runs inside a pipeline job/);
  });

  /** A managed project's pipeline job for `commit` of the repository at `git`: its io. */
  function buildJob(git: (dir: string) => string, commit: string) {
    const dir = tempDir();
    writeFileSync(join(dir, 'list.mbox'), '');
    const config = join(dir, 'patchferry.yml');
    const url = git(dir);
    writeFileSync(
      config,
      [
        `state: { database: ${join(dir, 'unused.db')} }`,
        `workDir: ${join(dir, 'work')}`,
        `sources: [{ type: mbox, path: ${join(dir, 'list.mbox')} }]`,
        `projects: { hello: { git: '${url}', branches: [master], platforms: [el9], forgePath: group/hello } }`,
        'platforms: { el9: { dist: .el9, arch: x86_64 } }',
        'builder: { type: rpmbuild, infrastructureRetries: 0 }',
        `publisher: { root: ${join(dir, 'repos')}, baseUrl: 'http://127.0.0.1:1/' }`,
        `reporter: { from: patchferry <pf@example.org>, listAddress: list@example.org, outbox: ${join(dir, 'out.mbox')} }`,
      ].join('\n'),
    );
    return {
      url,
      t: io({
        PATCHFERRY_CONFIG: config,
        CI_PIPELINE_SOURCE: 'push',
        CI_PROJECT_PATH: 'group/hello',
        CI_COMMIT_BRANCH: 'master',
        CI_COMMIT_SHA: commit,
        PLATFORM: 'el9',
        PATCHFERRY_ARTIFACTS: join(dir, 'artifacts'),
      }),
    };
  }

  it('build of a commit the repository does not have is a usage error at once, not an infrastructure failure retried', async () => {
    const missing = '0'.repeat(40);
    const { url, t } = buildJob(
      (dir) => `file://${makeRepo(join(dir, 'hello'), { 'hello.spec': 'Name: hello\n' })}`,
      missing,
    );
    const started = Date.now();
    expect(await main(['ci', 'build'], t.io)).toBe(2);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(t.err.join('\n')).toContain(`ci: commit ${missing} is not in the repository of hello (${url})`);
  });

  it("build with the repository out of reach is the build's failure (retried as configured), not a usage error", async () => {
    const { t } = buildJob((dir) => `file://${join(dir, 'gone.git')}`, 'a'.repeat(40));
    expect(await main(['ci', 'build'], t.io)).toBe(1);
    expect(t.out.join('\n')).toMatch(/FAILED\s+hello\/master el9 a{12}: infrastructure: .*cannot fetch/);
  });
});

describe('patchferry ci sync of an mbox, scheduled', () => {
  it('fails its exit status (3) once for a series that never applies: the next nightly lists it as failed before', async () => {
    const dir = tempDir();
    // The upstream repository, and a patch made against another version of its file.
    const upstream = makeRepo(join(dir, 'hello'), { 'a.txt': 'upstream\n' });
    const elsewhere = makeRepo(join(dir, 'elsewhere'), { 'a.txt': 'one\n' });
    commitFiles(elsewhere, 'change one', { 'a.txt': 'two\n' });
    const sendings = (subject: string) =>
      formatPatches(elsewhere, 1, ['--subject-prefix=master PATCH hello']).map((m) =>
        m
          .toString()
          .replace('change one', subject)
          .replace(/Message-ID: <[^>]+>/i, `Message-ID: <${subject}@x>`),
      );
    const mbox = join(dir, 'list.mbox');
    writeFileSync(mbox, sendings('first').join(''));
    const config = join(dir, 'patchferry.yml');
    writeFileSync(
      config,
      [
        `state: { database: ${join(dir, 'unused.db')} }`,
        `workDir: ${join(dir, 'work')}`,
        `sources: [{ type: mbox, path: ${mbox} }]`,
        `projects: { hello: { git: '${upstream}', branches: [master], platforms: [el9] } }`,
        'platforms: { el9: { dist: .el9, arch: x86_64 } }',
        `publisher: { root: ${join(dir, 'repos')}, baseUrl: 'http://127.0.0.1:1/' }`,
        `reporter: { from: patchferry <pf@example.org>, listAddress: list@example.org, outbox: ${join(dir, 'out.mbox')} }`,
      ].join('\n'),
    );
    const nightly = () =>
      io({
        PATCHFERRY_CONFIG: config,
        CI_PIPELINE_SOURCE: 'schedule',
        PATCHFERRY_ARTIFACTS: join(dir, 'artifacts'),
      });

    const first = nightly();
    expect(await main(['ci', 'sync'], first.io)).toBe(3);
    expect(first.out.join('\n')).toMatch(/FAILED {4}hello\/master patch 1: .*<first@x>/);

    const second = nightly();
    expect(await main(['ci', 'sync'], second.io)).toBe(0);
    expect(second.out.join('\n')).toContain('0 failed, 1 failed before,');
    expect(second.out.join('\n')).toMatch(
      /failed before \(an earlier job reported it\): hello\/master patch 1: .*<first@x>/,
    );

    // A new series that does not apply fails the next nightly, once.
    writeFileSync(mbox, [...sendings('first'), ...sendings('second')].join(''));
    const third = nightly();
    expect(await main(['ci', 'sync'], third.io)).toBe(3);
    expect(third.out.join('\n')).toMatch(/FAILED {4}hello\/master patch 1: .*<second@x>/);
    expect(third.out.join('\n')).toContain('1 failed, 1 failed before,');
    const fourth = nightly();
    expect(await main(['ci', 'sync'], fourth.io)).toBe(0);
    expect(fourth.out.join('\n')).toContain('0 failed, 2 failed before,');
  });
});

describe('--log-level', () => {
  it('an unknown level is a usage error naming the levels, not a stack trace', async () => {
    const { logger } = await import('../../src/cli/settings.ts');
    const { UsageError } = await import('../../src/shared/errors.ts');
    const t = io({ PATCHFERRY_LOG_LEVEL: 'loud' });
    expect(() => logger(undefined, t.io)).toThrow(UsageError);
    expect(() => logger(undefined, t.io)).toThrow(
      /PATCHFERRY_LOG_LEVEL "loud" is not a log level; use one of trace/,
    );
    expect(() => logger('loud', t.io)).toThrow(/--log-level "loud"/);
  });
});
