import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
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

describe('byte ranges from the static repository server', () => {
  it('answers a single byte range with 206 and Content-Range, an unsatisfiable one with 416, and curl -C - resumes a download', async () => {
    const root = tempDir();
    const bytes = randomBytes(200_000);
    writeFileSync(join(root, 'big.rpm'), bytes);
    const server = await serveDirectory(root);
    const url = `${server.url}big.rpm`;
    const get = (range: string) => fetch(url, { headers: { range } });
    try {
      const part = await get('bytes=100-199');
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe('bytes 100-199/200000');
      expect(part.headers.get('content-length')).toBe('100');
      expect(Buffer.from(await part.arrayBuffer())).toEqual(bytes.subarray(100, 200));
      const tail = await get('bytes=-10');
      expect(tail.headers.get('content-range')).toBe('bytes 199990-199999/200000');
      expect(Buffer.from(await tail.arrayBuffer())).toEqual(bytes.subarray(199_990));
      const beyond = await get('bytes=200000-');
      expect(beyond.status).toBe(416);
      expect(beyond.headers.get('content-range')).toBe('bytes */200000');
      // Several ranges, or a unit other than bytes: the whole file, as RFC 9110 lets a server do.
      const several = await get('bytes=0-1,5-6');
      expect(several.status).toBe(200);
      expect((await several.arrayBuffer()).byteLength).toBe(200_000);
      expect((await get('items=0-1')).status).toBe(200);

      // A download cut after 70,000 bytes, resumed as curl does it (Range: bytes=70000-).
      const partial = join(root, 'partial.rpm');
      writeFileSync(partial, bytes.subarray(0, 70_000));
      // Not spawnSync: the server answers from this process's event loop.
      const curl = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
        execFile(
          'curl',
          ['--silent', '--show-error', '--fail', '-C', '-', '-o', partial, url],
          { timeout: 20_000 },
          (err, _out, stderr) => {
            if (err && 'code' in err && err.code === 'ENOENT')
              reject(new Error('curl is needed (ci/setup --test installs it)'));
            else resolve({ code: err ? Number(err.code ?? 1) : 0, stderr });
          },
        );
      });
      expect(curl).toEqual({ code: 0, stderr: '' });
      expect(readFileSync(partial)).toEqual(bytes);
    } finally {
      await server.close();
    }
  });

  it('sends strong validators, gives the whole file when If-Range does not match, and 304 to a current copy', async () => {
    const root = tempDir();
    const repomd = join(root, 'repomd.xml');
    const first = Buffer.from('<repomd>first publication</repomd>\n');
    writeFileSync(repomd, first);
    utimesSync(repomd, new Date('2026-11-30T04:00:00.250Z'), new Date('2026-11-30T04:00:00.250Z'));
    const server = await serveDirectory(root);
    const url = `${server.url}repomd.xml`;
    const get = (headers: Record<string, string>) => fetch(url, { headers });
    try {
      const whole = await get({});
      const etag = whole.headers.get('etag') ?? '';
      const lastModified = whole.headers.get('last-modified') ?? '';
      expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/); // strong: no W/
      expect(lastModified).toBe('Mon, 30 Nov 2026 04:00:00 GMT');
      const head = await fetch(url, { method: 'HEAD' });
      expect([head.headers.get('etag'), head.headers.get('last-modified')]).toEqual([etag, lastModified]);
      const index = await fetch(server.url, { method: 'HEAD' });
      expect(index.headers.get('etag')).toBeNull(); // a generated listing has no file behind it

      // If-Range that matches: the range; one that does not (or is weak): the whole file.
      const cases: [string, number][] = [
        [etag, 206],
        [lastModified, 206],
        [`W/${etag}`, 200],
        ['"another"', 200],
        ['Mon, 01 Jan 2001 00:00:00 GMT', 200],
        ['not a validator', 200],
      ];
      for (const [ifRange, status] of cases) {
        const res = await get({ range: 'bytes=0-9', 'if-range': ifRange });
        expect([ifRange, res.status]).toEqual([ifRange, status]);
        const body = Buffer.from(await res.arrayBuffer());
        expect(body).toEqual(status === 206 ? first.subarray(0, 10) : first);
      }
      // A client's copy that is current: 304 with the validators and the caching rule, no body.
      const conditionals: Record<string, string>[] = [
        { 'if-none-match': etag },
        { 'if-none-match': `W/${etag}` },
        { 'if-modified-since': lastModified },
      ];
      for (const conditional of conditionals) {
        const res = await get(conditional);
        expect(res.status).toBe(304);
        expect([res.headers.get('etag'), res.headers.get('cache-control')]).toEqual([etag, 'no-cache']);
      }
      expect((await get({ 'if-none-match': '"another"' })).status).toBe(200);

      // The next publication replaces repomd.xml: a resume with the old validator gets the new file
      // whole, as curl shows (never the old file's first bytes followed by the new one's).
      const second = Buffer.from('<repomd>second publication, longer</repomd>\n');
      writeFileSync(`${repomd}.new`, second);
      renameSync(`${repomd}.new`, repomd);
      const resumed = await get({ range: 'bytes=10-', 'if-range': etag });
      expect(resumed.status).toBe(200);
      expect(Buffer.from(await resumed.arrayBuffer())).toEqual(second);
      expect((await get({ 'if-none-match': etag })).status).toBe(200);
      const curl = await new Promise<string>((resolve, reject) => {
        execFile(
          'curl',
          [
            '--silent',
            '--show-error',
            '-D',
            '-',
            '-o',
            '/dev/null',
            '-r',
            '10-',
            '-H',
            `If-Range: ${etag}`,
            url,
          ],
          { timeout: 20_000 },
          (err, out) => (err ? reject(err) : resolve(out)),
        );
      });
      expect(curl).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(curl).toMatch(/\r\netag: "[0-9a-f]+-[0-9a-f]+"\r\n/i);
    } finally {
      await server.close();
    }
  });
});
