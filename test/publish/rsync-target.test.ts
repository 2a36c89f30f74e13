import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PublishedBuildLogs } from '../../src/publish/build-logs.ts';
import { FilePatchArchive } from '../../src/publish/patch-archive.ts';
import { CreaterepoPublisher } from '../../src/publish/createrepo-publisher.ts';
import { remoteCommand } from '../../src/publish/remote-quote.ts';
import { RsyncTarget } from '../../src/publish/rsync-target.ts';
import { sshOptions } from '../../src/publish/ssh-command.ts';
import { PatchferryError } from '../../src/shared/errors.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { primaryLocations } from '../helpers/repodata.ts';
import { rpmToolsAvailable } from '../helpers/rpm.ts';
import { startSshd, sshdAvailable, type Sshd } from '../helpers/sshd.ts';
import { tinyRpms } from '../helpers/tiny-rpms.ts';
import { tempDir } from '../helpers/tmp.ts';

const available = rpmToolsAvailable('rsync target tests') && sshdAvailable('rsync target tests');

/** A remote directory a shell would split, unquote and expand if anything went unquoted, two levels
 * below an existing one (rsync makes them). */
const AWKWARD = `pub lic/it's "a" $HOME \`id\` -x`;

let sshd: Sshd;
let rpmDir: string;
let builds: { rpms: string[]; srpm: string }[];

beforeAll(async () => {
  if (!available) return;
  sshd = await startSshd();
  rpmDir = mkdtempSync(join(tmpdir(), 'patchferry-tiny-'));
  builds = ['1', '2'].map((release) => tinyRpms(rpmDir, { name: 'greeter', release }));
});
afterAll(async () => {
  await sshd?.stop();
  if (rpmDir) rmSync(rpmDir, { recursive: true, force: true });
});

const site = { project: 'greeter', branch: 'master', platform: { name: 'fc41', arches: ['x86_64'] } };

function target(root: string, remote: string, overrides: Partial<Sshd> = {}) {
  const s = { ...sshd, ...overrides };
  return new RsyncTarget({
    root,
    path: remote,
    host: s.host,
    user: s.user,
    port: s.port,
    identityFile: s.identityFile,
    knownHosts: s.knownHosts,
    connectTimeoutSeconds: 5,
    timeoutMs: 60_000,
    log: silentLogger(),
  });
}

function publisher(root: string, mirror: RsyncTarget) {
  return new CreaterepoPublisher({ root, baseUrl: 'http://127.0.0.1:8080/', mirror, log: silentLogger() });
}

/** Every entry under `dir`: a file's content hash, a link's text, a directory's name. */
function tree(dir: string, at = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(dir, at)).sort()) {
    const rel = at === '' ? name : `${at}/${name}`;
    const info = lstatSync(join(dir, rel));
    if (info.isSymbolicLink()) out[rel] = `-> ${readlinkSync(join(dir, rel))}`;
    else if (info.isDirectory()) Object.assign(out, { [rel]: 'dir' }, tree(dir, rel));
    else
      out[rel] = createHash('sha256')
        .update(readFileSync(join(dir, rel)))
        .digest('hex');
  }
  return out;
}

function failure(promise: Promise<unknown>): Promise<PatchferryError> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => {
      expect(err).toBeInstanceOf(PatchferryError);
      return err as PatchferryError;
    },
  );
}

describe.skipIf(!available)('publishing to a remote httpd host over rsync and ssh', () => {
  it('lands two publications on the remote as the local tree has them, unchanged packages hard-linked', async () => {
    const root = tempDir();
    const remote = join(tempDir(), AWKWARD);
    const p = publisher(root, target(root, remote));
    await p.publish({ ...site, buildId: 1, rpms: [...builds[0]!.rpms, builds[0]!.srpm] });
    await p.publish({ ...site, buildId: 2, rpms: [...builds[1]!.rpms, builds[1]!.srpm] });
    expect(tree(remote)).toEqual(tree(root));
    const platform = join(remote, 'greeter/master/fc41');
    expect(readlinkSync(platform)).toBe('../../.states/greeter/master/fc41/2');
    expect(primaryLocations(join(platform, 'x86_64'))).toEqual([
      'Packages/g/greeter-1.0-1.noarch.rpm',
      'Packages/g/greeter-1.0-2.noarch.rpm',
    ]);
    // Build 1's package in state 2's letter directory is the file state 1's had (a hard link made
    // there), not a second upload.
    const inode = (seq: number) =>
      lstatSync(join(remote, `.states/greeter/master/fc41/packages/x86_64/g.${seq}/greeter-1.0-1.noarch.rpm`))
        .ino;
    expect(inode(2)).toBe(inode(1));
    expect(readFileSync(join(remote, 'index.html'), 'utf8')).toContain('greeter');
  });

  it('removes on the remote the states pruned locally, and a retried publication completes an upload the network stopped', async () => {
    const root = tempDir();
    const remote = join(tempDir(), 'www');
    const closed = publisher(root, target(root, remote, { port: await closedPort() }));
    const down = await failure(closed.publish({ ...site, buildId: 1, rpms: builds[0]!.rpms }));
    expect(down.code).toBe('publish_remote_network');
    expect(down.retryable).toBe(true);
    expect(existsSync(remote)).toBe(false);
    // The retry finds the build published here and carries it over.
    const p = publisher(root, target(root, remote));
    expect((await p.publish({ ...site, buildId: 1, rpms: builds[0]!.rpms })).added).toEqual([]);
    expect(tree(remote)).toEqual(tree(root));
    // A reader of the remote tree meanwhile sees whole repositories: every file repomd.xml names,
    // with its checksum.
    const reader = readRepository(join(remote, 'greeter/master/fc41/x86_64'));
    try {
      await p.publish({ ...site, buildId: 2, rpms: builds[1]!.rpms });
      await p.publish({ ...site, buildId: 3, rpms: [builds[1]!.srpm] });
    } finally {
      reader.stop();
    }
    expect(await reader.problems).toEqual([]);
    expect(readdirSync(join(remote, '.states/greeter/master/fc41')).sort()).toEqual(['2', '3', 'packages']);
    expect(tree(remote)).toEqual(tree(root));
  });

  it('carries build logs and the patches archive over, and removes there the logs retention removed here', async () => {
    const root = tempDir();
    const remote = join(tempDir(), AWKWARD);
    const logs = new PublishedBuildLogs({
      root,
      baseUrl: 'http://127.0.0.1:8080/',
      keep: 1,
      mirror: target(root, remote),
      log: silentLogger(),
    });
    const log = join(root, 'build.log');
    for (const buildId of [1, 2]) {
      writeFileSync(log, `build ${buildId} in /work/b${buildId}\n`);
      await logs.publish({
        project: 'greeter',
        branch: 'master',
        platform: 'fc41',
        buildId,
        nvr: `greeter-1.0-${buildId}.fc41`,
        logs: [{ name: 'build.x86_64.log', path: log }],
        hostPaths: [{ host: '/work', shown: '<work dir>' }],
      });
    }
    expect(tree(join(remote, 'logs'))).toEqual(tree(join(root, 'logs')));
    // The archive of the day's patches follows the same way.
    const archived = await new FilePatchArchive({
      root,
      baseUrl: 'http://127.0.0.1:8080/',
      mirror: target(root, remote),
      log: silentLogger(),
    }).archive({
      seriesId: 's1',
      day: '2026-11-30',
      project: 'greeter',
      branch: 'master',
      title: 'greet louder',
      subject: '[PATCH] greet louder',
      sender: 'A U Thor <author@example.org>',
      version: 1,
      patches: 1,
      mails: [Buffer.from('From: A U Thor <author@example.org>\nSubject: [PATCH] greet louder\n\nbody\n')],
      appliedAt: new Date('2026-11-30T12:00:00Z'),
    });
    expect(existsSync(join(remote, archived.path))).toBe(true);
    expect(tree(join(remote, 'patches'))).toEqual(tree(join(root, 'patches')));
    expect(readdirSync(join(remote, 'logs/greeter/master/fc41')).sort()).toEqual([
      '2-greeter-1.0-2.fc41',
      'index.html',
    ]);
    expect(
      readFileSync(join(remote, 'logs/greeter/master/fc41/2-greeter-1.0-2.fc41/build.x86_64.log'), 'utf8'),
    ).toBe('build 2 in <work dir>/b2\n');
  });

  it("carries a build's logs whose own upload failed with the platform's next publication", async () => {
    const root = tempDir();
    const remote = join(tempDir(), 'www');
    const log = join(root, 'build.log');
    writeFileSync(log, 'build 1\n');
    const down = new PublishedBuildLogs({
      root,
      baseUrl: 'http://127.0.0.1:8080/',
      keep: 5,
      mirror: target(root, remote, { port: await closedPort() }),
      log: silentLogger(),
    });
    const entry = {
      project: 'greeter',
      branch: 'master',
      platform: 'fc41',
      buildId: 1,
      nvr: 'greeter-1.0-1.fc41',
      logs: [{ name: 'build.x86_64.log', path: log }],
      hostPaths: [],
    };
    await expect(down.publish(entry)).rejects.toThrow();
    expect(existsSync(join(remote, 'logs'))).toBe(false);
    await publisher(root, target(root, remote)).publish({ ...site, buildId: 1, rpms: builds[0]!.rpms });
    expect(tree(join(remote, 'logs'))).toEqual(tree(join(root, 'logs')));
  });

  it('refuses a host whose key is not the one in known_hosts, saying to add it, and uploads nothing', async () => {
    const root = tempDir();
    const remote = join(tempDir(), 'www');
    const p = publisher(root, target(root, remote, { knownHosts: sshd.wrongKnownHosts }));
    const err = await failure(p.publish({ ...site, buildId: 1, rpms: builds[0]!.rpms }));
    expect(err.code).toBe('publish_remote_host_key');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain(`add it to ${sshd.wrongKnownHosts}`);
    expect(existsSync(remote)).toBe(false);
    // An empty known_hosts is no better: the key is never accepted on first sight.
    const empty = join(root, 'empty_known_hosts');
    execFileSync('touch', [empty]);
    const unknown = await failure(
      publisher(root, target(root, remote, { knownHosts: empty })).publish({
        ...site,
        buildId: 1,
        rpms: builds[0]!.rpms,
      }),
    );
    expect(unknown.code).toBe('publish_remote_host_key');
    expect(readFileSync(empty, 'utf8')).toBe('');
  });

  it('passes arguments through the remote shell unchanged: spaces, quotes, $, backticks, newlines, leading dashes', () => {
    const args = [
      AWKWARD,
      "it's",
      '"double"',
      '$HOME',
      '`id`',
      '$(id)',
      'two\nlines',
      '-n',
      '--',
      '*',
      '\\',
      '',
    ];
    const out = execFileSync('ssh', [
      ...sshOptions({ ...sshd, connectTimeoutSeconds: 5 }),
      sshd.host,
      '--',
      `printf '%s\\0' ${remoteCommand(args)}`,
    ]);
    expect(out.toString('utf8').split('\0').slice(0, -1)).toEqual(args);
  });
});

/** Reads repomd.xml and every file it names, in a loop, until stopped: what was missing or differed. */
function readRepository(repo: string): { stop(): void; problems: Promise<string[]> } {
  let reading = true;
  const problems = (async () => {
    const found: string[] = [];
    let reads = 0;
    while (reading || reads === 0) {
      const repomd = readFileSync(join(repo, 'repodata/repomd.xml'), 'utf8');
      for (const m of repomd.matchAll(
        /<checksum type="sha256">([0-9a-f]+)<\/checksum>[\s\S]*?<location href="([^"]+)"/g,
      )) {
        const [, sum, href] = m as unknown as [string, string, string];
        try {
          if (
            createHash('sha256')
              .update(readFileSync(join(repo, href)))
              .digest('hex') !== sum
          )
            found.push(`${href}: checksum differs`);
        } catch (err) {
          found.push(`${href}: ${(err as Error).message}`);
        }
      }
      reads++;
      await new Promise((r) => setTimeout(r, 10));
    }
    return found;
  })();
  return {
    stop: () => (reading = false),
    problems,
  };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const { freePort } = await import('../helpers/dovecot.ts');
  return freePort();
}
