import { existsSync, readFileSync, readlinkSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CreaterepoPublisher } from '../../src/publish/createrepo-publisher.ts';
import { serveDirectory } from '../../src/publish/static-server.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { buildNoarch } from '../helpers/rpm.ts';
import { tempDir } from '../helpers/tmp.ts';

let rpms: { r1: string; r2: string };

beforeAll(async () => {
  const dir = tempDir('patchferry-rpms-');
  const make = (release: string) => buildNoarch(join(dir, `r${release}`), { release });
  rpms = { r1: await make('1'), r2: await make('2') };
});

describe('publishing with createrepo_c', () => {
  it('makes a yum repository per project/branch/platform/arch with a .repo file', async () => {
    const root = tempDir();
    const publisher = new CreaterepoPublisher({
      root,
      baseUrl: 'http://127.0.0.1:8080/',
      log: silentLogger(),
    });
    const pub = await publisher.publish({
      project: 'greeter',
      branch: 'stable/1.0',
      platform: { name: 'fc41', arch: 'noarch' },
      buildId: 1,
      rpms: [rpms.r1],
    });
    expect(pub.url).toBe('http://127.0.0.1:8080/greeter/stable/1.0/fc41/noarch/');
    expect(readdirSync(pub.path).sort()).toEqual(['greeter-0.1-1.fc41.noarch.rpm', 'repodata']);
    expect(readFileSync(join(pub.path, 'repodata', 'repomd.xml'), 'utf8')).toMatch(/<data type="primary">/);
    const repoFile = readFileSync(join(root, 'greeter/stable/1.0/fc41/greeter-stable-1.0.repo'), 'utf8');
    expect(repoFile).toContain('baseurl=http://127.0.0.1:8080/greeter/stable/1.0/fc41/$basearch/');
    expect(pub.repoFileUrl).toBe('http://127.0.0.1:8080/greeter/stable/1.0/fc41/greeter-stable-1.0.repo');
  });

  it('switches the served path to a new build in one step and keeps a bounded number of snapshots', async () => {
    const root = tempDir();
    const publisher = new CreaterepoPublisher({ root, baseUrl: 'http://h/', keep: 2, log: silentLogger() });
    const req = { project: 'g', branch: 'master', platform: { name: 'fc41', arch: 'noarch' } };
    await publisher.publish({ ...req, buildId: 1, rpms: [rpms.r1] });
    await publisher.publish({ ...req, buildId: 2, rpms: [rpms.r2] });
    const served = join(root, 'g/master/fc41/noarch');
    expect(readlinkSync(served)).toMatch(/\.snapshots\/g\/master\/fc41\/noarch\/2$/);
    expect(readdirSync(served)).toContain('greeter-0.1-2.fc41.noarch.rpm');
    await publisher.publish({ ...req, buildId: 3, rpms: [rpms.r1] });
    expect(readdirSync(join(root, '.snapshots/g/master/fc41/noarch')).sort()).toEqual(['2', '3']);
    // Publishing the same build again is harmless.
    await publisher.publish({ ...req, buildId: 3, rpms: [rpms.r1] });
    expect(readlinkSync(served)).toMatch(/\/3$/);
  });

  it('leaves the served repository as it was when the publication is aborted', async () => {
    const root = tempDir();
    const publisher = new CreaterepoPublisher({ root, baseUrl: 'http://h/', log: silentLogger() });
    const req = { project: 'g', branch: 'master', platform: { name: 'fc41', arch: 'noarch' } };
    await publisher.publish({ ...req, buildId: 1, rpms: [rpms.r1] });
    await expect(
      publisher.publish({ ...req, buildId: 2, rpms: [rpms.r2], signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ code: 'createrepo_c_aborted' });
    expect(readlinkSync(join(root, 'g/master/fc41/noarch'))).toMatch(/\/1$/);
  });
});

describe('the static repository server', () => {
  it('serves files through the snapshot links, lists directories, and keeps to its root', async () => {
    const root = tempDir();
    const publisher = new CreaterepoPublisher({ root, baseUrl: 'http://h/', log: silentLogger() });
    await publisher.publish({
      project: 'g',
      branch: 'master',
      platform: { name: 'fc41', arch: 'noarch' },
      buildId: 1,
      rpms: [rpms.r1],
    });
    const server = await serveDirectory(root);
    try {
      const repomd = await fetch(`${server.url}g/master/fc41/noarch/repodata/repomd.xml`);
      expect(repomd.status).toBe(200);
      expect(repomd.headers.get('content-type')).toBe('application/xml');
      const listing = await (await fetch(`${server.url}g/master/fc41/noarch/`)).text();
      expect(listing).toContain('greeter-0.1-1.fc41.noarch.rpm');
      expect((await fetch(`${server.url}g/master/fc41/noarch`, { redirect: 'manual' })).status).toBe(301);
      expect((await fetch(`${server.url}nothing-here`)).status).toBe(404);
      expect((await fetch(`${server.url}..%2F..%2F..%2Fetc%2Fpasswd`)).status).toBe(404);
      expect((await fetch(server.url, { method: 'POST' })).status).toBe(405);
      const head = await fetch(`${server.url}g/master/fc41/noarch/greeter-0.1-1.fc41.noarch.rpm`, {
        method: 'HEAD',
      });
      expect(Number(head.headers.get('content-length'))).toBeGreaterThan(1000);
    } finally {
      await server.close();
    }
    expect(existsSync(root)).toBe(true);
  });

  it('says when its port is taken and how to choose another', async () => {
    const root = tempDir();
    const first = await serveDirectory(root);
    try {
      const port = Number(new URL(first.url).port);
      await expect(serveDirectory(root, { port })).rejects.toThrow(
        /port is in use; choose another \(--port 0 picks a free one\)/,
      );
    } finally {
      await first.close();
    }
  });
});
