import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreaterepoPublisher } from '../../src/publish/createrepo-publisher.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { dnf, dnfAvailable, installedContent } from '../helpers/dnf.ts';
import { httpdAvailable, startHttpd, type Httpd } from '../helpers/httpd.ts';
import { rpmToolsAvailable } from '../helpers/rpm.ts';
import { tinyRpms } from '../helpers/tiny-rpms.ts';

const available =
  rpmToolsAvailable('httpd publishing tests') &&
  httpdAvailable('httpd publishing tests') &&
  dnfAvailable('httpd publishing tests');

let dir: string;
let httpd: Httpd;

beforeAll(async () => {
  if (!available) return;
  dir = mkdtempSync(join(tmpdir(), 'patchferry-httpd-tree-'));
  // Apache's workers run as www-data: the tree must be readable by others.
  chmodSync(dir, 0o755);
  httpd = await startHttpd(dir);
});
afterAll(async () => {
  await httpd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function publisherAt(tree: string, keep?: number) {
  return new CreaterepoPublisher({
    root: tree,
    baseUrl: `${httpd.url}${tree.slice(dir.length + 1)}/`,
    ...(keep ? { keep } : {}),
    log: silentLogger(),
  });
}

describe.skipIf(!available)('a published repository served by Apache httpd', () => {
  it('installs, upgrades to build 2 and downgrades to build 1 with dnf over HTTP', async () => {
    const tree = join(dir, 'dnf');
    const p = publisherAt(tree);
    const site = { project: 'hello', branch: 'master', platform: { name: 'fc41', arches: ['x86_64'] } };
    const b1 = tinyRpms(join(dir, 'rpms'), { name: 'hello', release: '1' });
    const b2 = tinyRpms(join(dir, 'rpms'), { name: 'hello', release: '2' });
    const first = await p.publish({ ...site, buildId: 1, rpms: [...b1.rpms, b1.srpm] });
    const installroot = join(dir, 'installroot');
    dnf(installroot, ['install', 'hello'], { baseurl: first.url });
    expect(installedContent(installroot, 'hello')).toBe('hello-1.0-1');

    await p.publish({ ...site, buildId: 2, rpms: [...b2.rpms, b2.srpm] });
    dnf(installroot, ['upgrade', 'hello'], { baseurl: first.url });
    expect(installedContent(installroot, 'hello')).toBe('hello-1.0-2');
    // Yesterday's package is still there to go back to.
    dnf(installroot, ['downgrade', 'hello'], { baseurl: first.url });
    expect(installedContent(installroot, 'hello')).toBe('hello-1.0-1');
  }, 120_000);

  it('never shows a reader a missing or mismatched file during 20 publications', async () => {
    const tree = join(dir, 'reader');
    const p = publisherAt(tree, 2);
    const names = Array.from({ length: 20 }, (_, i) => `pkg${String(i).padStart(2, '0')}`);
    const many = tinyRpms(join(dir, 'rpms'), { name: 'many', release: '1', subpackages: names });
    const site = { project: 'r', branch: 'master', platform: { name: 'fc41', arches: ['x86_64'] } };
    const first = await p.publish({ ...site, buildId: 0, rpms: many.rpms.slice(0, 1) });
    let publishing = true;
    const problems: string[] = [];
    let reads = 0;
    const reader = (async () => {
      while (publishing) {
        const repomd = await (await fetch(`${first.url}repodata/repomd.xml`)).text();
        for (const m of repomd.matchAll(
          /<checksum type="sha256">([0-9a-f]+)<\/checksum>[\s\S]*?<location href="([^"]+)"/g,
        )) {
          const [, sum, href] = m as unknown as [string, string, string];
          const res = await fetch(`${first.url}${href}`);
          if (res.status !== 200) problems.push(`${href}: HTTP ${res.status}`);
          else {
            const body = Buffer.from(await res.arrayBuffer());
            if (createHash('sha256').update(body).digest('hex') !== sum)
              problems.push(`${href}: checksum differs`);
          }
        }
        reads++;
        // A pause between rounds, so the reader does not starve the publisher of the machine.
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      for (const [i, rpm] of many.rpms.slice(1, 21).entries())
        await p.publish({ ...site, buildId: i + 1, rpms: [rpm] });
    } finally {
      publishing = false;
      await reader;
    }
    expect(problems).toEqual([]);
    expect(reads).toBeGreaterThan(20);
  }, 120_000);
});
