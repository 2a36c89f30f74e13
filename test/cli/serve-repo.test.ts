import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultServePort } from '../../src/cli/serve-repo.ts';
import { CreaterepoPublisher } from '../../src/publish/createrepo-publisher.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { rpmToolsAvailable } from '../helpers/rpm.ts';
import { tinyRpms } from '../helpers/tiny-rpms.ts';

const BIN = join(import.meta.dirname, '../../bin/patchferry.mjs');
const available = rpmToolsAvailable('patchferry serve-repo');

let dir: string;

beforeAll(async () => {
  if (!available) return;
  dir = mkdtempSync(join(tmpdir(), 'patchferry-serve-repo-'));
  const rpms = tinyRpms(join(dir, 'rpms'), { name: 'greeter', release: '1' });
  await new CreaterepoPublisher({
    root: join(dir, 'tree'),
    baseUrl: 'http://127.0.0.1:8080/',
    log: silentLogger(),
  }).publish({
    project: 'greeter',
    branch: 'master',
    platform: { name: 'fc41', arches: ['x86_64'] },
    buildId: 1,
    rpms: rpms.rpms,
  });
  writeFileSync(
    join(dir, 'patchferry.yml'),
    JSON.stringify({
      state: { database: 'state.sqlite' },
      workDir: 'work',
      sources: [{ type: 'mbox', path: 'list.mbox' }],
      projects: {
        greeter: {
          git: 'https://example.org/greeter.git',
          branches: ['master'],
          spec: 'greeter.spec',
          platforms: ['fc41'],
        },
      },
      platforms: { fc41: { dist: '.fc41', arch: 'x86_64' } },
      publisher: { root: 'tree', baseUrl: 'http://127.0.0.1:8080/' },
      reporter: { from: 'patchferry <pf@example.org>', listAddress: 'list@example.org' },
    }),
  );
}, 60_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!available)('patchferry serve-repo', () => {
  it('serves the published tree at the URL it prints until interrupted', async () => {
    const child = spawn(
      process.execPath,
      [BIN, 'serve-repo', '--config', join(dir, 'patchferry.yml'), '--port', '0'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        const found = /^Serving .* at (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(stdout)?.[1];
        if (found && stdout.includes('Press Ctrl-C to stop.')) resolve(found);
      });
      void exited.then((code) => reject(new Error(`serve-repo exited ${code} early:\n${stdout}\n${stderr}`)));
    });
    try {
      // Served on another port than publisher.baseUrl's: it says what the .repo files name.
      expect(stdout).toContain('the .repo files and pages name publisher.baseUrl (http://127.0.0.1:8080/)');
      const repomd = await fetch(new URL('greeter/master/fc41/x86_64/repodata/repomd.xml', url));
      expect(repomd.status).toBe(200);
      expect(repomd.headers.get('cache-control')).toBe('no-cache');
      expect(await repomd.text()).toContain('<repomd');
      const rpm = await fetch(new URL('greeter/master/fc41/x86_64/Packages/g/greeter-1.0-1.noarch.rpm', url));
      expect(rpm.headers.get('cache-control')).toBe('max-age=31536000, immutable');
      const page = await fetch(new URL('greeter/master/fc41/', url));
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.headers.get('cache-control')).toBe('max-age=60');
      expect(await page.text()).toContain('greeter-master-fc41.repo');
      expect((await fetch(new URL('.states/', url))).status).toBe(404);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  }, 60_000);

  it("listens on publisher.baseUrl's port by default, else 8080", () => {
    expect(defaultServePort('http://127.0.0.1:8123/repos/')).toBe(8123);
    expect(defaultServePort('https://rpms.example.org/')).toBe(8080);
  });
});
