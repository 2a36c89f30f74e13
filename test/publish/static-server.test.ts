import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreaterepoPublisher } from '../../src/publish/createrepo-publisher.ts';
import { serveDirectory } from '../../src/publish/static-server.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { rpmToolsAvailable } from '../helpers/rpm.ts';
import { tinyRpms } from '../helpers/tiny-rpms.ts';
import { tempDir } from '../helpers/tmp.ts';

const available = rpmToolsAvailable('static server tests');
let rpmDir: string;
let rpms: string[];

beforeAll(() => {
  if (!available) return;
  rpmDir = mkdtempSync(join(tmpdir(), 'patchferry-tiny-'));
  rpms = tinyRpms(rpmDir, { name: 'greeter', release: '1' }).rpms;
});
afterAll(() => {
  if (rpmDir) rmSync(rpmDir, { recursive: true, force: true });
});

describe.skipIf(!available)('the static repository server', () => {
  it('serves files through the snapshot links, lists directories, and keeps to its root', async () => {
    const root = tempDir();
    const publisher = new CreaterepoPublisher({ root, baseUrl: 'http://h/', log: silentLogger() });
    await publisher.publish({
      project: 'g',
      branch: 'master',
      platform: { name: 'fc41', arches: ['noarch'] },
      buildId: 1,
      rpms,
    });
    const server = await serveDirectory(root);
    try {
      const repomd = await fetch(`${server.url}g/master/fc41/noarch/repodata/repomd.xml`);
      expect(repomd.status).toBe(200);
      expect(repomd.headers.get('content-type')).toBe('application/xml');
      const listing = await (await fetch(`${server.url}g/master/fc41/noarch/`)).text();
      expect(listing).toContain('Packages/g/');
      const letter = await (await fetch(`${server.url}g/master/fc41/noarch/Packages/g/`)).text();
      expect(letter).toContain('greeter-1.0-1.noarch.rpm');
      expect((await fetch(`${server.url}g/master/fc41/noarch`, { redirect: 'manual' })).status).toBe(301);
      expect((await fetch(`${server.url}nothing-here`)).status).toBe(404);
      expect((await fetch(`${server.url}..%2F..%2F..%2Fetc%2Fpasswd`)).status).toBe(404);
      expect((await fetch(server.url, { method: 'POST' })).status).toBe(405);
      const head = await fetch(`${server.url}g/master/fc41/noarch/Packages/g/greeter-1.0-1.noarch.rpm`, {
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
