import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreaterepoPublisher } from '../../src/publish/createrepo-publisher.ts';
import { Signer } from '../../src/publish/signer.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { dnf, dnfAvailable, installedContent } from '../helpers/dnf.ts';
import { httpdAvailable, startHttpd, type Httpd } from '../helpers/httpd.ts';
import { rpmToolsAvailable } from '../helpers/rpm.ts';
import { tinyRpms } from '../helpers/tiny-rpms.ts';

function signingToolsAvailable(): boolean {
  const missing = ['gpg', 'rpmsign', 'gpgconf'].filter(
    (t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0,
  );
  if (missing.length === 0) return true;
  if (process.env.CI === 'true') throw new Error(`signing tests cannot run: ${missing.join(', ')} missing`);
  console.warn(`signing tests skipped: ${missing.join(', ')} missing`);
  return false;
}

const available =
  rpmToolsAvailable('signing tests') &&
  signingToolsAvailable() &&
  httpdAvailable('signing tests') &&
  dnfAvailable('signing tests');

let dir: string;
let gnupgHome: string;
let httpd: Httpd;
const keys: Record<'plain' | 'protected', string> = { plain: '', protected: '' };
const PASSPHRASE = 'correct horse battery staple';

/** Makes an ed25519 signing key in the test's GnuPG home (quick: no entropy wait) and returns its fingerprint. */
function generateKey(uid: string, passphrase: string): string {
  execFileSync(
    'gpg',
    [
      '--batch',
      '--pinentry-mode',
      'loopback',
      '--passphrase',
      passphrase,
      '--quick-gen-key',
      uid,
      'ed25519',
      'sign',
      'never',
    ],
    { env: { ...process.env, GNUPGHOME: gnupgHome }, stdio: 'pipe' },
  );
  const listing = execFileSync('gpg', ['--batch', '--with-colons', '--list-secret-keys', uid], {
    env: { ...process.env, GNUPGHOME: gnupgHome },
    encoding: 'utf8',
  });
  const fpr = /^fpr:+([0-9A-F]{40}):/m.exec(listing)?.[1];
  if (!fpr) throw new Error(`no fingerprint for ${uid}`);
  return fpr;
}

beforeAll(async () => {
  if (!available) return;
  dir = mkdtempSync(join(tmpdir(), 'patchferry-signing-'));
  chmodSync(dir, 0o755);
  gnupgHome = join(dir, '.gnupg');
  mkdirSync(gnupgHome, { mode: 0o700 });
  keys.plain = generateKey('patchferry test <plain@example.org>', '');
  keys.protected = generateKey('patchferry test <protected@example.org>', PASSPHRASE);
  httpd = await startHttpd(dir);
}, 60_000);
afterAll(async () => {
  await httpd?.stop();
  if (gnupgHome)
    spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: gnupgHome } });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function publisherAt(tree: string, signer: Signer) {
  return new CreaterepoPublisher({
    root: tree,
    baseUrl: `${httpd.url}${tree.slice(dir.length + 1)}/`,
    signer,
    log: silentLogger(),
  });
}

/** `rpm -K` with only the given public key imported into a fresh database. */
function rpmCheck(publicKey: string, rpm: string): string {
  const db = mkdtempSync(join(dir, 'rpmdb-'));
  writeFileSync(join(db, 'key.asc'), publicKey);
  execFileSync('rpm', ['--dbpath', db, '--initdb']);
  execFileSync('rpm', ['--dbpath', db, '--import', join(db, 'key.asc')]);
  const run = spawnSync('rpm', ['--dbpath', db, '-K', rpm], { encoding: 'utf8' });
  return `${run.stdout}${run.stderr}`.trim();
}

const site = { project: 'hello', branch: 'master', platform: { name: 'fc41', arches: ['x86_64'] } };

describe.skipIf(!available)('signed repositories', () => {
  it('signs packages and repomd.xml, publishes the key, and dnf installs with gpgcheck=1 and repo_gpgcheck=1', async () => {
    const tree = join(dir, 'plain');
    const signer = new Signer({ gnupgHome, fingerprint: keys.plain, passphrase: null });
    const build = tinyRpms(join(dir, 'rpms'), { name: 'hello', release: '1' });
    const pub = await publisherAt(tree, signer).publish({
      ...site,
      buildId: 1,
      rpms: [...build.rpms, build.srpm],
    });

    const key = readFileSync(join(tree, 'RPM-GPG-KEY-patchferry'), 'utf8');
    expect(key).toContain('BEGIN PGP PUBLIC KEY BLOCK');
    expect(rpmCheck(key, join(tree, 'hello/master/fc41/x86_64/Packages/h/hello-1.0-1.noarch.rpm'))).toMatch(
      /digests signatures OK$/,
    );
    expect(rpmCheck(key, join(tree, 'hello/master/fc41/SRPMS/Packages/h/hello-1.0-1.src.rpm'))).toMatch(
      /signatures OK$/,
    );
    // The build's own file is left as it was: the publisher signed its copy.
    expect(rpmCheck(key, build.rpms[0] as string)).not.toMatch(/signatures OK/);
    // The testing repository of the same build links the branch tree's signed file, not signed again.
    const served = join(tree, 'hello/master/fc41/x86_64/Packages/h/hello-1.0-1.noarch.rpm');
    const before = readFileSync(served);
    await publisherAt(tree, signer).publish({
      ...site,
      channel: 'testing',
      buildId: 1,
      rpms: [...build.rpms, build.srpm],
    });
    const testing = join(tree, 'testing/hello/master/fc41/x86_64/Packages/h/hello-1.0-1.noarch.rpm');
    expect(statSync(testing).ino).toBe(statSync(served).ino);
    expect(readFileSync(served)).toEqual(before);
    const repo = readFileSync(join(tree, 'hello/master/fc41/hello-master-fc41.repo'), 'utf8');
    expect(repo).toContain('gpgcheck=1\nrepo_gpgcheck=1\n');
    expect(repo).toContain(`gpgkey=${httpd.url}plain/RPM-GPG-KEY-patchferry\n`);

    // dnf as a user runs it: the .repo file in reposdir, the key imported from gpgkey.
    const reposdir = join(dir, 'yum.repos.d');
    mkdirSync(reposdir, { recursive: true });
    writeFileSync(join(reposdir, 'hello.repo'), await (await fetch(pub.repoFileUrl)).text());
    const installroot = join(dir, 'installroot');
    dnf(installroot, ['install', 'hello'], { reposdir, gpgcheck: true });
    expect(installedContent(installroot, 'hello')).toBe('hello-1.0-1');
  }, 120_000);

  it('signs with a key whose passphrase comes from the configuration, and keeps the old state when it is wrong', async () => {
    const tree = join(dir, 'protected');
    const good = new Signer({ gnupgHome, fingerprint: keys.protected, passphrase: PASSPHRASE });
    const b1 = tinyRpms(join(dir, 'rpms'), { name: 'greeter', release: '1' });
    const b2 = tinyRpms(join(dir, 'rpms'), { name: 'greeter', release: '2' });
    await publisherAt(tree, good).publish({ ...site, buildId: 1, rpms: b1.rpms });
    const key = readFileSync(join(tree, 'RPM-GPG-KEY-patchferry'), 'utf8');
    expect(rpmCheck(key, join(tree, 'hello/master/fc41/x86_64/Packages/g/greeter-1.0-1.noarch.rpm'))).toMatch(
      /digests signatures OK$/,
    );
    const asc = join(tree, 'hello/master/fc41/x86_64/repodata/repomd.xml.asc');
    expect(existsSync(asc)).toBe(true);

    // gpg-agent remembers a passphrase it was given: a fresh agent must be asked again.
    spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: gnupgHome } });
    const wrong = new Signer({ gnupgHome, fingerprint: keys.protected, passphrase: 'not it' });
    await expect(
      publisherAt(tree, wrong).publish({ ...site, buildId: 2, rpms: b2.rpms }),
    ).rejects.toMatchObject({
      code: 'rpmsign_failed',
    });
    expect(readlinkSync(join(tree, 'hello/master/fc41'))).toMatch(/\/1$/);
  }, 120_000);
});
