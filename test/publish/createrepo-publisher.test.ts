import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CreaterepoPublisher } from '../../src/publish/createrepo-publisher.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { rpmToolsAvailable } from '../helpers/rpm.ts';
import { tinyRpms } from '../helpers/tiny-rpms.ts';
import { tempDir } from '../helpers/tmp.ts';
import { htmlErrors } from '../helpers/html.ts';
import { primaryLocations } from '../helpers/repodata.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll } from 'vitest';

const available = rpmToolsAvailable('publishing tests');

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
      'x86_64/Packages/g/greeter-1.0-1.noarch.rpm',
      'x86_64/Packages/g/greeter-doc-1.0-1.noarch.rpm',
      'SRPMS/Packages/g/greeter-1.0-1.src.rpm',
    ]);
    await p.publish({ ...site, buildId: 2, rpms: all(builds.g2!) });
    const platform = join(root, 'greeter/stable/1.0/fc41');
    expect(primaryLocations(join(platform, 'x86_64'))).toEqual([
      'Packages/g/greeter-1.0-1.noarch.rpm',
      'Packages/g/greeter-1.0-2.noarch.rpm',
      'Packages/g/greeter-doc-1.0-1.noarch.rpm',
      'Packages/g/greeter-doc-1.0-2.noarch.rpm',
    ]);
    expect(primaryLocations(join(platform, 'SRPMS'))).toEqual([
      'Packages/g/greeter-1.0-1.src.rpm',
      'Packages/g/greeter-1.0-2.src.rpm',
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
    expect(pub.added).toEqual([
      'ppc64le/Packages/a/archy-1.0-1.ppc64le.rpm',
      'SRPMS/Packages/a/archy-1.0-1.src.rpm',
    ]);
    const platform = join(root, 'a/main/fc41');
    expect(primaryLocations(join(platform, 'x86_64'))).toEqual(['Packages/o/other-1.0-1.noarch.rpm']);
    expect(primaryLocations(join(platform, 'ppc64le'))).toEqual([
      'Packages/a/archy-1.0-1.ppc64le.rpm',
      'Packages/o/other-1.0-1.noarch.rpm',
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
      'SRPMS/Packages/g/greeter-1.0-1.src.rpm',
      'x86_64/Packages/g/greeter-1.0-1.noarch.rpm',
      'x86_64/Packages/g/greeter-doc-1.0-1.noarch.rpm',
    ]);
    const platform = join(root, 'greeter/stable/1.0/fc41');
    expect(primaryLocations(join(platform, 'x86_64'))).toEqual([
      'Packages/g/greeter-1.0-2.noarch.rpm',
      'Packages/g/greeter-1.0-3.noarch.rpm',
      'Packages/g/greeter-doc-1.0-2.noarch.rpm',
      'Packages/g/greeter-doc-1.0-3.noarch.rpm',
      // Another package name keeps its own builds.
      'Packages/o/other-1.0-1.noarch.rpm',
    ]);
    expect(existsSync(join(platform, 'x86_64/Packages/g/greeter-1.0-1.noarch.rpm'))).toBe(false);
    expect(existsSync(join(platform, 'x86_64/Packages/g/greeter-1.0-2.noarch.rpm'))).toBe(true);
    // The live state and the one before stay; older states go, and the package directories only
    // they linked to.
    const states = join(root, '.states/greeter/stable/1.0/fc41');
    expect(readdirSync(states).sort()).toEqual(['3', '4', 'packages']);
    expect(readdirSync(join(states, 'packages/x86_64')).sort()).toEqual(['g.3', 'g.4', 'o.2']);
  });

  it('rewrites the metadata of the letters a publication touches and shares the others', async () => {
    const root = tempDir();
    const p = publisher(root);
    await p.publish({ ...site, buildId: 1, rpms: all(builds.g1!) });
    await p.publish({ ...site, buildId: 2, rpms: all(builds.other!) });
    const states = join(root, '.states/greeter/stable/1.0/fc41');
    const inode = (state: string, part: string) =>
      statSync(join(states, state, '.patchferry-md/x86_64', part)).ino;
    // greeter's letter was not touched by `other`: the same file serves both states.
    expect(inode('2', 'g.primary.xml.gz')).toBe(inode('1', 'g.primary.xml.gz'));
    expect(existsSync(join(states, '1', '.patchferry-md/x86_64/o.primary.xml.gz'))).toBe(false);
    expect(primaryLocations(join(root, 'greeter/stable/1.0/fc41/x86_64'))).toEqual([
      'Packages/g/greeter-1.0-1.noarch.rpm',
      'Packages/g/greeter-doc-1.0-1.noarch.rpm',
      'Packages/o/other-1.0-1.noarch.rpm',
    ]);
    const repomd = readFileSync(join(root, 'greeter/stable/1.0/fc41/x86_64/repodata/repomd.xml'), 'utf8');
    expect(repomd.match(/<open-size>/g)).toHaveLength(3);
  });

  it('takes over a repository an older patchferry left: packages flat, metadata and manifest whole', async () => {
    const root = tempDir();
    // The older layout, made as it was: the packages in each repository, createrepo_c over each,
    // one manifest listing every package.
    const state = join(root, '.states/greeter/stable/1.0/fc41/1');
    const packages = [];
    for (const file of all(builds.g1!)) {
      const dir = file.endsWith('.src.rpm') ? 'SRPMS' : 'x86_64';
      mkdirSync(join(state, dir), { recursive: true });
      copyFileSync(file, join(state, dir, basename(file)));
      const name = basename(file).replace(/-1\.0-1\..*$/, '');
      packages.push({
        path: `${dir}/${basename(file)}`,
        name,
        epoch: 0,
        version: '1.0',
        release: '1',
        arch: dir === 'SRPMS' ? 'src' : 'noarch',
        source: dir === 'SRPMS',
        summary: 'tiny',
        size: statSync(file).size,
        seq: 1,
        buildId: 1,
        publishedAt: '2026-11-01T00:00:00.000Z',
      });
    }
    for (const dir of ['x86_64', 'SRPMS'])
      execFileSync('createrepo_c', ['--quiet', '--no-database', join(state, dir)]);
    writeFileSync(
      join(state, '.patchferry-state.json'),
      JSON.stringify({ version: 1, seq: 1, packages, metadata: {} }),
    );
    mkdirSync(join(root, 'greeter/stable/1.0'), { recursive: true });
    symlinkSync('../../../.states/greeter/stable/1.0/fc41/1', join(root, 'greeter/stable/1.0/fc41'));

    const p = publisher(root, 1);
    const pub = await p.publish({ ...site, buildId: 2, rpms: all(builds.other!) });
    expect(pub.added).toContain('x86_64/Packages/o/other-1.0-1.noarch.rpm');
    const platform = join(root, 'greeter/stable/1.0/fc41');
    expect(primaryLocations(join(platform, 'x86_64'))).toEqual([
      'Packages/g/greeter-1.0-1.noarch.rpm',
      'Packages/g/greeter-doc-1.0-1.noarch.rpm',
      'Packages/o/other-1.0-1.noarch.rpm',
    ]);
    expect(existsSync(join(platform, 'x86_64/Packages/g/greeter-1.0-1.noarch.rpm'))).toBe(true);
    expect(existsSync(join(platform, 'x86_64/greeter-1.0-1.noarch.rpm'))).toBe(false);
    // Retention goes on from the packages taken over.
    const third = await p.publish({ ...site, buildId: 3, rpms: all(builds.g2!) });
    expect(third.removed).toContain('x86_64/Packages/g/greeter-1.0-1.noarch.rpm');
    expect(primaryLocations(join(platform, 'SRPMS'))).toEqual([
      'Packages/g/greeter-1.0-2.src.rpm',
      'Packages/o/other-1.0-1.src.rpm',
    ]);
  });

  it('changes nothing when a build is published again', async () => {
    const root = tempDir();
    const p = publisher(root);
    await p.publish({ ...site, buildId: 1, rpms: all(builds.g1!) });
    const again = await p.publish({ ...site, buildId: 1, rpms: all(builds.g1!) });
    expect(again).toMatchObject({ added: [], removed: [] });
    expect(readlinkSync(join(root, 'greeter/stable/1.0/fc41'))).toMatch(/\/1$/);
  });

  it('records the commit of the build a platform directory last received, per channel, switched with it', async () => {
    const root = tempDir();
    const p = publisher(root);
    const nightly = {
      channel: 'nightly' as const,
      project: 'greeter',
      branch: 'stable/1.0',
      platform: 'fc41',
    };
    expect(await p.publishedHead(nightly)).toBeNull();
    const c1 = 'a'.repeat(40);
    const c2 = 'b'.repeat(40);
    await p.publish({ ...site, channel: 'nightly', buildId: 1, rpms: all(builds.g1!), commit: c1 });
    expect(await p.publishedHead(nightly)).toBe(c1);
    expect(await p.publishedHead({ ...nightly, channel: 'builds' })).toBeNull();
    // The same packages from another commit (a Release the spec keeps): the head moves all the same.
    await p.publish({ ...site, channel: 'nightly', buildId: 2, rpms: all(builds.g1!), commit: c2 });
    expect(await p.publishedHead(nightly)).toBe(c2);
    expect(readlinkSync(join(root, 'nightly/greeter/stable/1.0/fc41'))).toMatch(/\/2$/);
    // Beside the manifest, a dot file as it is: left out of listings and index pages.
    expect(readdirSync(join(root, 'nightly/greeter/stable/1.0/fc41'))).toContain('.patchferry-head');
    await p.publish({ ...site, channel: 'nightly', buildId: 3, rpms: all(builds.g2!) });
    expect(await p.publishedHead(nightly)).toBeNull(); // a build of no known commit clears it
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
      'Packages/g/greeter-1.0-1.noarch.rpm',
      'Packages/g/greeter-doc-1.0-1.noarch.rpm',
      'Packages/o/other-1.0-1.noarch.rpm',
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

  it('writes a valid index page on every level, with sizes, dates and the dnf lines', async () => {
    const root = tempDir();
    const p = new CreaterepoPublisher({
      root,
      baseUrl: 'http://127.0.0.1:8080/',
      now: () => new Date('2026-11-29T21:30:00Z'),
      log: silentLogger(),
    });
    await p.publish({ ...site, buildId: 7, rpms: all(builds.g1!) });
    await p.publish({ ...site, channel: 'nightly', buildId: 8, rpms: all(builds.g1!) });
    const pages = [
      '',
      'greeter',
      'greeter/stable',
      'greeter/stable/1.0',
      'greeter/stable/1.0/fc41',
      'greeter/stable/1.0/fc41/x86_64',
      'greeter/stable/1.0/fc41/x86_64/Packages',
      'greeter/stable/1.0/fc41/x86_64/Packages/g',
      'greeter/stable/1.0/fc41/SRPMS',
      'greeter/stable/1.0/fc41/SRPMS/Packages/g',
      'nightly',
      'nightly/greeter/stable/1.0/fc41/x86_64',
    ];
    for (const page of pages) {
      const html = readFileSync(join(root, page, 'index.html'), 'utf8');
      expect(htmlErrors(html), page).toEqual([]);
    }
    const rootPage = readFileSync(join(root, 'index.html'), 'utf8');
    expect(rootPage).toContain('<a href="greeter/">greeter/</a>');
    expect(rootPage).toContain('<a href="nightly/">nightly/</a>');
    expect(rootPage).not.toContain('.states');
    const platform = readFileSync(join(root, 'greeter/stable/1.0/fc41/index.html'), 'utf8');
    expect(platform).toContain(
      'sudo dnf config-manager addrepo --from-repofile=http://127.0.0.1:8080/greeter/stable/1.0/fc41/greeter-stable-1.0-fc41.repo',
    );
    expect(platform).toContain('<a href="x86_64/">x86_64/</a>');
    expect(platform).toContain('<a href="SRPMS/">SRPMS/</a>');
    const arch = readFileSync(join(root, 'greeter/stable/1.0/fc41/x86_64/index.html'), 'utf8');
    expect(arch).toContain('<a href="Packages/g/">Packages/g/</a>');
    expect(arch).toContain('sudo dnf install greeter greeter-doc');
    const letter = readFileSync(join(root, 'greeter/stable/1.0/fc41/x86_64/Packages/g/index.html'), 'utf8');
    expect(letter).toMatch(
      /<a href="greeter-1.0-1.noarch.rpm">greeter-1.0-1.noarch.rpm<\/a><\/td><td class="size">\d+\.\d KiB<\/td><td class="date"><time datetime="2026-11-29T21:30:00.000Z">2026-11-29 21:30 UTC<\/time><\/td><td>tiny greeter for tests \(build 7\)<\/td>/,
    );
    expect(letter).toContain('sudo dnf install greeter greeter-doc');
  });
});
