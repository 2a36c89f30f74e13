import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpmbuildBuilder } from '../../src/build/rpmbuild-builder.ts';
import { SrpmPackager } from '../../src/build/srpm-packager.ts';
import { GitMirror } from '../../src/git/mirror.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { noarchRepo } from '../helpers/rpm.ts';
import { git } from '../helpers/git.ts';
import { TEST_LIMITS, bwrapAvailable, testSandbox } from '../helpers/sandbox.ts';

// Issue 12: a mailed patch's spec or Makefile is code from anyone on the list. Each escape is the
// %build of a package of its own; the builds run at once, and each must fail and leave the host as
// it was.
const available = bwrapAvailable('the sandbox escape tests');
const SECRET = 'pf-smtp-secret-7f3a9c';
// Its own sleep, to find this run's processes among every other on the machine.
const SLEEPER = 6000 + Math.floor(Math.random() * 3000);
const builder = new RpmbuildBuilder({ log: silentLogger(), sandbox: testSandbox(), timeoutMs: 30_000 });

/** What the tests look at: whether the build failed, its log, the failure's sentence and class. */
interface Outcome {
  readonly ok: boolean;
  readonly log: string;
  readonly error: string;
  readonly class: string | null;
}

/** The package `name` whose %build is `script`: its SRPM made from a git repository, then built. */
async function build(dir: string, name: string, script: string): Promise<Outcome> {
  const repo = noarchRepo(join(dir, name, 'repo'), { name });
  const spec = join(repo.path, `${name}.spec`);
  writeFileSync(spec, readFileSync(spec, 'utf8').replace('%build\n:', `%build\n${script}`));
  git(repo.path, ['commit', '-qam', 'escape']);
  const srpm = await new SrpmPackager({
    repository: new GitMirror({ workDir: join(dir, name, 'git') }),
    sandbox: testSandbox(),
    dir: join(dir, name, 'srpms'),
    log: silentLogger(),
  }).make({
    project: name,
    gitUrl: repo.path,
    commit: git(repo.path, ['rev-parse', 'HEAD']).trim(),
    spec: '*.spec',
    release: 'spec',
  });
  const progress = await builder.start({
    project: name,
    branch: 'master',
    commit: 'c0ffee',
    target: { name: 'el9', dist: '.el9', arches: ['noarch'], kojiTarget: null, releasever: null },
    srpm,
    scratch: false,
    outDir: join(dir, name, 'out'),
  });
  if (!('done' in progress)) throw new Error('the local builder left a build pending');
  const result = progress.done;
  return {
    ok: result.state === 'succeeded',
    log: result.log ? readFileSync(result.log, 'utf8') : '',
    error: result.failure?.message ?? '',
    class: result.failure?.class ?? null,
  };
}

describe.runIf(available)('a spec that tries to escape the build sandbox', () => {
  // Shared by the file's tests, removed after the last.
  const dir = mkdtempSync(join(tmpdir(), 'patchferry-escape-'));
  const outside = join(dir, 'outside');
  const hostSecret = join(dir, 'secret.txt');
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  let results: Record<string, Outcome>;

  beforeAll(async () => {
    mkdirSync(outside);
    writeFileSync(hostSecret, `${SECRET}-in-a-file\n`);
    process.env.PATCHFERRY_SMTP_PASSWORD = SECRET;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const escapes = {
      // Any of these succeeding ends the script successfully, and the build with it.
      writer: `touch ${outside}/escaped || touch /etc/escaped || touch /srpm/escaped || touch /var/lib/rpm/escaped`,
      reader: [
        'env',
        "cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' || :",
        `cat ${hostSecret} /root/.gnupg/* /etc/shadow || :`,
        'test -n "$PATCHFERRY_SMTP_PASSWORD"',
      ].join('\n'),
      dialer: `bash -c 'echo hello > /dev/tcp/127.0.0.1/${port}'`,
      forker: `while :; do sleep ${SLEEPER} & done`,
      filler: [
        'head -c 100M /dev/zero > big || :',
        'for i in 1 2 3 4; do head -c 10M /dev/zero > /tmp/f$i || break; done',
        'i=0; while :; do i=$((i+1)); head -c 8M /dev/zero > f$i || exit 1; done',
      ].join('\n'),
    };
    const built = await Promise.all(
      Object.entries(escapes).map(async ([name, script]) => [name, await build(dir, name, script)] as const),
    );
    results = Object.fromEntries(built);
  }, 60_000);

  afterAll(() => {
    delete process.env.PATCHFERRY_SMTP_PASSWORD;
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('cannot write outside its build directory: the host, the system and its own tree are read-only', () => {
    expect(results.writer?.ok).toBe(false);
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync('/etc/escaped')).toBe(false);
    const anywhere = readdirSync(dir, { recursive: true, encoding: 'utf8' });
    expect(anywhere.filter((f) => basename(f) === 'escaped')).toEqual([]);
    expect((results.writer as Outcome).log).toMatch(/touch: cannot touch '\/srpm\/escaped': Read-only/);
  });

  it("reads no secret: patchferry's environment and the host's files are not in the sandbox", () => {
    const result = results.reader as Outcome;
    expect(result.ok).toBe(false);
    const text = result.log;
    expect(text).not.toContain(SECRET);
    expect(text).toMatch(/cat: .*secret\.txt: No such file or directory/);
    // The build's environment is what rpmbuild needs and nothing else.
    expect(text).toMatch(/^HOME=\/tmp$/m);
    expect(text).toMatch(/^LANG=C\.UTF-8$/m);
  });

  it('opens no socket: there is no network in the sandbox', () => {
    expect(results.dialer?.ok).toBe(false);
    expect((results.dialer as Outcome).log).toMatch(/Network is unreachable|Connection refused/);
    expect(connections).toBe(0);
  });

  it('forks no further than the process limit, and leaves no process behind', () => {
    expect(results.forker?.ok).toBe(false);
    expect((results.forker as Outcome).log).toMatch(/[Cc]an(no|')t fork|Resource temporarily unavailable/);
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toMatch(
      new RegExp(`^sleep ${SLEEPER}$`, 'm'),
    );
  });

  it('fills neither the disk nor memory: the build is stopped at its disk limit, files at their size limit', () => {
    const result = results.filler as Outcome;
    // The package's fault, not the machine's: retrying it would fill the disk again.
    expect(result).toMatchObject({
      ok: false,
      class: 'patch',
      error: expect.stringMatching(
        new RegExp(`was stopped: the build used more than ${TEST_LIMITS.diskMB} MiB of disk`),
      ),
    });
    const build = join(dir, 'filler', 'out', 'noarch', 'BUILD');
    const big = readdirSync(build, { recursive: true, encoding: 'utf8' }).filter(
      (f) => statSync(join(build, f)).size > TEST_LIMITS.fileSizeMB * 1024 * 1024,
    );
    expect(big).toEqual([]);
    expect(result.log).toMatch(/File size limit exceeded/);
    // The private /tmp is full, not the host's.
    expect(result.log).toMatch(/error writing .*: No space left on device/);
  });
});
