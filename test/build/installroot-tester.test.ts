import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InstallrootTester } from '../../src/build/installroot-tester.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { dnfAvailable } from '../helpers/dnf.ts';
import { probeProgram } from '../helpers/probe-program.ts';
import { rpmToolsAvailable } from '../helpers/rpm.ts';
import { TEST_LIMITS, bwrapAvailable } from '../helpers/sandbox.ts';
import { tinyRpms } from '../helpers/tiny-rpms.ts';

const what = 'tests of a build installed into a throwaway root';
const available =
  process.arch === 'x64' && rpmToolsAvailable(what) && dnfAvailable(what) && bwrapAvailable(what);

let dir: string;
let build: { rpms: string[]; srpm: string };
let buildRepo: string;
let baseRepo: string;
let listener: Server;
let connections = 0;

function repoOf(path: string, files: readonly string[]): string {
  mkdirSync(path, { recursive: true });
  spawnSync('cp', [...files, path]);
  const run = spawnSync('createrepo_c', ['-q', path], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  return `file://${path}`;
}

beforeAll(async () => {
  if (!available) return;
  dir = mkdtempSync(join(tmpdir(), 'patchferry-smoke-'));
  chmodSync(dir, 0o755);
  const probe = probeProgram(dir);
  // The build needs a package only the platform's base repository has.
  const base = tinyRpms(dir, { name: 'probe-data', release: '1', content: 'base data 7' });
  build = tinyRpms(dir, {
    name: 'probe',
    release: '1.fc41',
    arch: 'x86_64',
    program: probe,
    requires: ['probe-data'],
  });
  baseRepo = repoOf(join(dir, 'base'), base.rpms);
  buildRepo = repoOf(join(dir, 'testing'), build.rpms);
  listener = createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
});
afterAll(() => {
  listener?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const tester = () => new InstallrootTester({ limits: TEST_LIMITS, log: silentLogger() });
const check = (name: string, ...run: string[]) => ({ name, run, timeoutMs: 30_000 });

describe.skipIf(!available)('InstallrootTester', () => {
  it('installs the build with what the base repositories give, and runs each check in that root', async () => {
    const port = (listener.address() as { port: number }).port;
    const result = await tester().test({
      rpms: [...build.rpms, build.srpm],
      repos: [
        { id: 'testing', baseurl: buildRepo },
        { id: 'base', baseurl: baseRepo },
      ],
      releasever: '41',
      checks: [
        check('version', 'probe', '--version'),
        check('base data', 'probe', '--cat', '/usr/share/probe-data/version'),
        check('deliberate', 'probe', '--bogus'),
        check('network', 'probe', '--connect', String(port)),
        check('host files', 'probe', '--cat', '/etc/hostname'),
      ],
    });
    expect(result.installed).toBe(true);
    if (!result.installed) return;
    expect(result.packages).toEqual(['probe-0:1.0-1.fc41.x86_64']);
    const [version, data, deliberate, network, host] = result.checks;
    expect(version).toMatchObject({ name: 'version', passed: true, failure: null, tail: 'probe 1.0' });
    expect(data).toMatchObject({ passed: true, tail: 'base data 7' });
    expect(deliberate).toMatchObject({ passed: false, failure: 'exit 3', tail: 'probe: deliberate failure' });
    // No network inside, not even loopback: the check has a network namespace of its own.
    expect(network).toMatchObject({ passed: false, failure: 'exit 4' });
    expect(connections).toBe(0);
    // Only what dnf installed is there: none of the host's files.
    expect(host).toMatchObject({ passed: false, failure: 'exit 1' });
  }, 120_000);

  it('reports a build that does not install, with the end of what dnf said', async () => {
    const result = await tester().test({
      rpms: build.rpms,
      repos: [{ id: 'testing', baseurl: buildRepo }],
      releasever: '41',
      checks: [check('version', 'probe', '--version')],
    });
    expect(result.installed).toBe(false);
    if (result.installed) return;
    expect(result.tail).toMatch(/probe-data/);
  }, 120_000);
});
