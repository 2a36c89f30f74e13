import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { CreaterepoPublisher } from '../../src/publish/createrepo-publisher.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { rpmToolsAvailable } from '../helpers/rpm.ts';
import { tinyRpms } from '../helpers/tiny-rpms.ts';
import { tempDir } from '../helpers/tmp.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll } from 'vitest';

const available = rpmToolsAvailable('publishing tests');

/** The package file names a repository's primary metadata lists. */
export function primaryLocations(repo: string): string[] {
  const repomd = readFileSync(join(repo, 'repodata', 'repomd.xml'), 'utf8');
  const href = /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(repomd)?.[1];
  if (!href) throw new Error(`no primary in ${repo}`);
  const primary = gunzipSync(readFileSync(join(repo, href))).toString('utf8');
  return [...primary.matchAll(/<location href="([^"]+)"/g)].map((m) => m[1] as string).sort();
}

type Build = { rpms: string[]; srpm: string };
let builds: Record<string, Build>;
let rpmDir: string;

beforeAll(() => {
  if (!available) return;
  rpmDir = mkdtempSync(join(tmpdir(), 'patchferry-tiny-'));
  builds = {
    g1: tinyRpms(rpmDir, { name: 'greeter', release: '1', subpackages: ['greeter-doc'] }),
    g2: tinyRpms(rpmDir, { name: 'greeter', release: '2', subpackages: ['greeter-doc'] }),
    g3: tinyRpms(rpmDir, { name: 'greeter', release: '3', subpackages: ['greeter-doc'] }),
    other: tinyRpms(rpmDir, { name: 'other', release: '1' }),
    ppc: tinyRpms(rpmDir, { name: 'archy', release: '1', arch: 'ppc64le' }),
  };
});
afterAll(() => {
  if (rpmDir) rmSync(rpmDir, { recursive: true, force: true });
});

const all = (b: Build) => [...b.rpms, b.srpm];
const site = { project: 'greeter', branch: 'stable/1.0', platform: { name: 'fc41', arches: ['x86_64'] } };

function publisher(root: string, keep?: number) {
  return new CreaterepoPublisher({
    root,
    baseUrl: 'http://127.0.0.1:8080/',
    ...(keep ? { keep } : {}),
    log: silentLogger(),
  });
}

describe.skipIf(!available)('publishing with createrepo_c', () => {
  it('grows a repository per arch and SRPMS: every build joins it', async () => {
    const root = tempDir();
    const p = publisher(root);
    const first = await p.publish({ ...site, buildId: 1, rpms: all(builds.g1!) });
    expect(first.url).toBe('http://127.0.0.1:8080/greeter/stable/1.0/fc41/x86_64/');
    expect(first.repoFileUrl).toBe(
      'http://127.0.0.1:8080/greeter/stable/1.0/fc41/greeter-stable-1.0-fc41.repo',
    );
    expect(first.added).toEqual([
      'x86_64/greeter-1.0-1.noarch.rpm',
      'x86_64/greeter-doc-1.0-1.noarch.rpm',
      'SRPMS/greeter-1.0-1.src.rpm',
    ]);
    await p.publish({ ...site, buildId: 2, rpms: all(builds.g2!) });
    const platform = join(root, 'greeter/stable/1.0/fc41');
    expect(primaryLocations(join(platform, 'x86_64'))).toEqual([
      'greeter-1.0-1.noarch.rpm',
      'greeter-1.0-2.noarch.rpm',
      'greeter-doc-1.0-1.noarch.rpm',
      'greeter-doc-1.0-2.noarch.rpm',
    ]);
    expect(primaryLocations(join(platform, 'SRPMS'))).toEqual([
      'greeter-1.0-1.src.rpm',
      'greeter-1.0-2.src.rpm',
    ]);
    expect(readlinkSync(platform)).toBe('../../../.states/greeter/stable/1.0/fc41/2');
  });

  it('places each RPM by the arch its header names: noarch into every arch of the platform', async () => {
    const root = tempDir();
    const p = publisher(root);
    const arches = { name: 'fc41', arches: ['x86_64', 'ppc64le'] };
    await p.publish({ project: 'a', branch: 'main', platform: arches, buildId: 1, rpms: all(builds.other!) });
    const pub = await p.publish({
      project: 'a',
      branch: 'main',
      platform: arches,
      buildId: 2,
      rpms: all(builds.ppc!),
    });
    expect(pub.added).toEqual(['ppc64le/archy-1.0-1.ppc64le.rpm', 'SRPMS/archy-1.0-1.src.rpm']);
    const platform = join(root, 'a/main/fc41');
    expect(primaryLocations(join(platform, 'x86_64'))).toEqual(['other-1.0-1.noarch.rpm']);
    expect(primaryLocations(join(platform, 'ppc64le'))).toEqual([
      'archy-1.0-1.ppc64le.rpm',
      'other-1.0-1.noarch.rpm',
    ]);
  });

  it('keeps the newest `keep` builds of each package name, removing older files and their metadata', async () => {
    const root = tempDir();
    const p = publisher(root, 2);
    await p.publish({ ...site, buildId: 1, rpms: all(builds.g1!) });
    await p.publish({ ...site, buildId: 2, rpms: all(builds.other!) });
    await p.publish({ ...site, buildId: 3, rpms: all(builds.g2!) });
    const third = await p.publish({ ...site, buildId: 4, rpms: all(builds.g3!) });
    expect([...third.removed].sort()).toEqual([
      'SRPMS/greeter-1.0-1.src.rpm',
      'x86_64/greeter-1.0-1.noarch.rpm',
      'x86_64/greeter-doc-1.0-1.noarch.rpm',
    ]);
    const platform = join(root, 'greeter/stable/1.0/fc41');
    expect(primaryLocations(join(platform, 'x86_64'))).toEqual([
      'greeter-1.0-2.noarch.rpm',
      'greeter-1.0-3.noarch.rpm',
      'greeter-doc-1.0-2.noarch.rpm',
      'greeter-doc-1.0-3.noarch.rpm',
      // Another package name keeps its own builds.
      'other-1.0-1.noarch.rpm',
    ]);
    expect(existsSync(join(platform, 'x86_64/greeter-1.0-1.noarch.rpm'))).toBe(false);
    // The live state and the one before stay; older states go.
    expect(readdirSync(join(root, '.states/greeter/stable/1.0/fc41')).sort()).toEqual(['3', '4']);
  });

  it('changes nothing when a build is published again', async () => {
    const root = tempDir();
    const p = publisher(root);
    await p.publish({ ...site, buildId: 1, rpms: all(builds.g1!) });
    const again = await p.publish({ ...site, buildId: 1, rpms: all(builds.g1!) });
    expect(again).toMatchObject({ added: [], removed: [] });
    expect(readlinkSync(join(root, 'greeter/stable/1.0/fc41'))).toMatch(/\/1$/);
  });

  it('serialises publications to one platform: two at once both land', async () => {
    const root = tempDir();
    const p = publisher(root);
    await Promise.all([
      p.publish({ ...site, buildId: 1, rpms: all(builds.g1!) }),
      p.publish({ ...site, buildId: 2, rpms: all(builds.other!) }),
      p.publish({
        ...site,
        platform: { name: 'el9', arches: ['x86_64'] },
        buildId: 3,
        rpms: all(builds.g1!),
      }),
    ]);
    expect(primaryLocations(join(root, 'greeter/stable/1.0/fc41/x86_64'))).toEqual([
      'greeter-1.0-1.noarch.rpm',
      'greeter-doc-1.0-1.noarch.rpm',
      'other-1.0-1.noarch.rpm',
    ]);
    expect(primaryLocations(join(root, 'greeter/stable/1.0/el9/x86_64'))).toHaveLength(2);
  });

  it('leaves the served repository as it was when the publication is aborted', async () => {
    const root = tempDir();
    const p = publisher(root);
    await p.publish({ ...site, buildId: 1, rpms: all(builds.g1!) });
    await expect(
      p.publish({ ...site, buildId: 2, rpms: all(builds.g2!), signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ code: expect.stringMatching(/_aborted$/) });
    expect(readlinkSync(join(root, 'greeter/stable/1.0/fc41'))).toMatch(/\/1$/);
  });

  it('writes a .repo file in Copr’s shape and keeps channels apart', async () => {
    const root = tempDir();
    const p = publisher(root);
    await p.publish({ ...site, buildId: 1, rpms: all(builds.g1!) });
    const nightly = await p.publish({ ...site, channel: 'nightly', buildId: 1, rpms: all(builds.g1!) });
    expect(nightly.url).toBe('http://127.0.0.1:8080/nightly/greeter/stable/1.0/fc41/x86_64/');
    const repo = readFileSync(join(root, 'greeter/stable/1.0/fc41/greeter-stable-1.0-fc41.repo'), 'utf8');
    expect(repo).toBe(
      [
        '[patchferry-greeter-stable_1.0-fc41]',
        'name=greeter stable/1.0 for fc41, built by patchferry',
        'baseurl=http://127.0.0.1:8080/greeter/stable/1.0/fc41/$basearch/',
        'type=rpm-md',
        'skip_if_unavailable=True',
        'gpgcheck=0',
        'repo_gpgcheck=0',
        'enabled=1',
        'enabled_metadata=1',
        '',
      ].join('\n'),
    );
    expect(
      readFileSync(
        join(root, 'nightly/greeter/stable/1.0/fc41/nightly-greeter-stable-1.0-fc41.repo'),
        'utf8',
      ),
    ).toContain('[patchferry-nightly-greeter-stable_1.0-fc41]');
  });
});
