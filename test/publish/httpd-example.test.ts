import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreaterepoPublisher } from '../../src/publish/createrepo-publisher.ts';
import { cacheControl } from '../../src/publish/static-server.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { dnf, dnfAvailable, installedContent } from '../helpers/dnf.ts';
import { httpdAvailable, startHttpd, type Httpd } from '../helpers/httpd.ts';
import { rpmToolsAvailable } from '../helpers/rpm.ts';
import { tinyRpms } from '../helpers/tiny-rpms.ts';

const EXAMPLE = join(import.meta.dirname, '../../examples/httpd/patchferry.conf');

const available =
  rpmToolsAvailable('the example httpd configuration') &&
  httpdAvailable('the example httpd configuration') &&
  dnfAvailable('the example httpd configuration');

let dir: string;
let root: string;
let httpd: Httpd;
let repo: string;

beforeAll(async () => {
  if (!available) return;
  dir = mkdtempSync(join(tmpdir(), 'patchferry-httpd-example-'));
  // Apache's workers run as www-data: the tree must be readable by others.
  chmodSync(dir, 0o755);
  root = join(dir, 'tree');
  // The helper's own server is never reached: the example's virtual host answers for every address.
  httpd = await startHttpd(dir, {
    modules: ['headers', 'alias'],
    // The example as shipped, its three values defined before it is included.
    extra: [
      `Define PATCHFERRY_ROOT ${root}`,
      'Define PATCHFERRY_SERVER_NAME 127.0.0.1',
      'Define PATCHFERRY_ADDRESS *',
      `Include ${EXAMPLE}`,
    ],
  });
  const rpms = tinyRpms(join(dir, 'rpms'), { name: 'greeter', release: '1' });
  const publication = await new CreaterepoPublisher({
    root,
    baseUrl: httpd.url,
    log: silentLogger(),
  }).publish({
    project: 'greeter',
    branch: 'master',
    platform: { name: 'fc41', arches: ['x86_64'] },
    buildId: 1,
    rpms: [...rpms.rpms, rpms.srpm],
  });
  repo = publication.url;
  writeFileSync(join(root, 'RPM-GPG-KEY-patchferry'), '-----BEGIN PGP PUBLIC KEY BLOCK-----\n');
  writeFileSync(join(root, 'greeter/master/fc41/x86_64/repodata/repomd.xml.asc'), 'signature\n');
}, 60_000);
afterAll(async () => {
  await httpd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function get(path: string): Promise<{ status: number; headers: Headers; body: string }> {
  const res = await fetch(new URL(path, httpd.url));
  return { status: res.status, headers: res.headers, body: await res.text() };
}

describe.skipIf(!available)('the example Apache httpd configuration (examples/httpd)', () => {
  it("serves each directory's index.html, and httpd's own listing only where there is none", async () => {
    const top = await get('/');
    expect(top.status).toBe(200);
    expect(top.body).toContain('Yum repositories built by patchferry');
    expect(top.headers.get('cache-control')).toBe('max-age=60');
    const platform = await get('/greeter/master/fc41/');
    expect(platform.body).toContain('sudo dnf config-manager');
    expect(platform.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const repodata = await get('/greeter/master/fc41/x86_64/repodata/');
    expect(repodata.status).toBe(200);
    expect(repodata.body).toContain('repomd.xml');
    expect((await get('/.states/')).status).toBe(404);
    expect((await get('/greeter/master/.states/')).status).toBe(404);
  });

  it('caches metadata briefly and packages for good, with the types dnf and browsers expect', async () => {
    const x86 = '/greeter/master/fc41/x86_64/';
    const repomd = await get(`${x86}repodata/repomd.xml`);
    expect(repomd.headers.get('cache-control')).toBe('no-cache');
    expect(repomd.headers.get('content-type')).toMatch(/xml/);
    const rpm = await get(`${x86}Packages/g/greeter-1.0-1.noarch.rpm`);
    expect(rpm.status).toBe(200);
    expect(rpm.headers.get('cache-control')).toBe('max-age=31536000, immutable');
    expect(rpm.headers.get('content-type')).toBe('application/x-rpm');
    const repoFile = await get('/greeter/master/fc41/greeter-master-fc41.repo');
    expect(repoFile.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(repoFile.headers.get('cache-control')).toBe('max-age=60');
    const asc = await get(`${x86}repodata/repomd.xml.asc`);
    expect(asc.headers.get('content-type')).toBe('application/pgp-signature');
    expect(asc.headers.get('cache-control')).toBe('no-cache');
    const key = await get('/RPM-GPG-KEY-patchferry');
    expect(key.headers.get('content-type')).toBe('application/pgp-keys');
    // Every metadata file: revalidated or immutable, and never decoded on the way (gzip is the file).
    const files = [...repomd.body.matchAll(/<location href="(repodata\/[^"]+)"/g)].map(
      (m) => `${x86}${m[1]}`,
    );
    expect(files.length).toBeGreaterThan(2);
    for (const path of files) {
      const res = await fetch(new URL(path, httpd.url), { method: 'HEAD' });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-encoding'), path).toBeNull();
      expect(res.headers.get('cache-control'), path).toMatch(/^(no-cache|max-age=31536000, immutable)$/);
    }
    // patchferry serve-repo's server says the same as the example, file by file.
    for (const path of [
      ...files,
      `${x86}repodata/repomd.xml`,
      `${x86}Packages/g/greeter-1.0-1.noarch.rpm`,
      '/RPM-GPG-KEY-patchferry',
      '/greeter/master/fc41/greeter-master-fc41.repo',
      '/',
    ]) {
      const res = await fetch(new URL(path, httpd.url), { method: 'HEAD' });
      expect(res.headers.get('cache-control'), path).toBe(cacheControl(path));
    }
  });

  it('is a repository dnf installs from', () => {
    const installroot = join(dir, 'installroot');
    dnf(installroot, ['install', 'greeter'], { baseurl: repo });
    expect(installedContent(installroot, 'greeter')).toBe('greeter-1.0-1');
  }, 120_000);
});
