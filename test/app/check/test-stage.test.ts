import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publish } from '../../../src/app/stages.ts';
import { InstallrootTester } from '../../../src/build/installroot-tester.ts';
import type { Publisher } from '../../../src/ports/publisher.ts';
import { CreaterepoPublisher } from '../../../src/publish/createrepo-publisher.ts';
import { PatchferryError } from '../../../src/shared/errors.ts';
import { silentLogger } from '../../../src/shared/log.ts';
import { fakeDeps } from '../../fakes/deps.ts';
import { dnfAvailable } from '../../helpers/dnf.ts';
import { probeProgram } from '../../helpers/probe-program.ts';
import { rpmToolsAvailable } from '../../helpers/rpm.ts';
import { TEST_LIMITS, bwrapAvailable } from '../../helpers/sandbox.ts';
import { tinyRpms } from '../../helpers/tiny-rpms.ts';

const what = 'the test stage (testing → checks → stable)';
const available =
  process.arch === 'x64' && rpmToolsAvailable(what) && dnfAvailable(what) && bwrapAvailable(what);

let dir: string;
let probe: string;
let baseRepo: string;

beforeAll(() => {
  if (!available) return;
  dir = mkdtempSync(join(tmpdir(), 'patchferry-test-stage-'));
  chmodSync(dir, 0o755);
  probe = probeProgram(dir);
  // The platform's base repository: what the build needs besides itself.
  const base = tinyRpms(dir, { name: 'probe-data', release: '1', content: 'base data 7' });
  baseRepo = join(dir, 'base');
  mkdirSync(baseRepo);
  spawnSync('cp', [...base.rpms, baseRepo]);
  spawnSync('createrepo_c', ['-q', baseRepo]);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A world whose project hello runs `checks`, with a real publisher and the real tester; build n
 * of probe succeeded and waits to be published. */
function world(
  name: string,
  checks: { name: string; run: string[] }[],
  publisher?: (p: Publisher) => Publisher,
) {
  const root = join(dir, name);
  const { deps, clock } = fakeDeps({
    config: {
      projects: {
        hello: { git: '/nonexistent/hello.git', branches: ['master'], platforms: ['el9'], tests: checks },
      },
      platforms: { el9: { dist: '.el9', arch: 'x86_64', baseRepos: [baseRepo] } },
    },
  });
  const real = new CreaterepoPublisher({ root, baseUrl: 'http://repos.example/', log: silentLogger() });
  const tester = new InstallrootTester({ limits: TEST_LIMITS, log: silentLogger() });
  const tested: number[] = [];
  const counting = {
    arch: tester.arch,
    test: (r: Parameters<typeof tester.test>[0]) => (tested.push(1), tester.test(r)),
  };
  const all = { ...deps, publisher: publisher ? publisher(real) : real, tester: counting };
  const build = tinyRpms(join(dir, name), {
    name: 'probe',
    release: '1.el9',
    arch: 'x86_64',
    program: probe,
    requires: ['probe-data'],
  });
  const b = deps.store.builds.start({
    project: 'hello',
    branch: 'master',
    commit: 'c1',
    platform: 'el9',
    arch: 'x86_64',
  });
  deps.store.builds.finish(b.id, {
    state: 'succeeded',
    logPath: null,
    rpms: [...build.rpms, build.srpm],
    error: null,
  });
  return { deps: all, root, buildId: b.id, tested, clock };
}

const rpmIn = (tree: string) => join(tree, 'hello/master/el9/x86_64/Packages/p/probe-1.0-1.el9.x86_64.rpm');
const seqOf = (platformDir: string) =>
  (JSON.parse(readFileSync(join(platformDir, '.patchferry-state.json'), 'utf8')) as { seq: number }).seq;

describe.skipIf(!available)('the test stage', () => {
  it('promotes a build whose checks pass from testing to stable: the same files as the branch tree, hard-linked', async () => {
    const w = world('passing', [
      { name: 'version', run: ['probe', '--version'] },
      { name: 'base data', run: ['probe', '--cat', '/usr/share/probe-data/version'] },
    ]);
    const summary = await publish(w.deps);
    expect(summary.units).toEqual([]);
    expect(summary.checked).toMatchObject([
      {
        project: 'hello',
        platform: 'el9',
        state: 'passed',
        failed: null,
        stableUrl: 'http://repos.example/stable/hello/master/el9/x86_64/',
      },
    ]);
    // The branch's own repository is published as without tests; testing and stable beside it,
    // one file on disk for the three.
    const branch = statSync(rpmIn(w.root));
    const testing = statSync(rpmIn(join(w.root, 'testing')));
    const stable = statSync(rpmIn(join(w.root, 'stable')));
    expect(testing.ino).toBe(branch.ino);
    expect(stable.ino).toBe(testing.ino);
    expect(existsSync(join(w.root, 'stable/hello/master/el9/x86_64/repodata/repomd.xml'))).toBe(true);
    const record = w.deps.store.checks.get(w.buildId);
    expect(record).toMatchObject({
      state: 'passed',
      packages: ['probe-0:1.0-1.el9.x86_64'],
      stableUrl: 'http://repos.example/stable/hello/master/el9/x86_64/',
      checks: [
        { name: 'version', passed: true, tail: 'probe 1.0' },
        { name: 'base data', passed: true, tail: 'base data 7' },
      ],
    });
  }, 120_000);

  it('keeps a build whose check fails in testing, and records which check failed with its output', async () => {
    const w = world('failing', [
      { name: 'version', run: ['probe', '--version'] },
      { name: 'smoke', run: ['probe', '--selftest'] },
    ]);
    const summary = await publish(w.deps);
    expect(summary.checked).toMatchObject([
      {
        state: 'failed',
        failed: 'smoke',
        testingUrl: 'http://repos.example/testing/hello/master/el9/x86_64/',
        stableUrl: null,
      },
    ]);
    expect(existsSync(rpmIn(join(w.root, 'testing')))).toBe(true);
    expect(existsSync(join(w.root, 'stable'))).toBe(false);
    expect(w.deps.store.checks.get(w.buildId)).toMatchObject({
      state: 'failed',
      stableUrl: null,
      checks: [
        { name: 'version', passed: true },
        { name: 'smoke', passed: false, failure: 'exit 3', tail: 'probe: deliberate failure' },
      ],
    });
  }, 120_000);

  it('a run stopped after the promotion but before it was recorded promotes nothing twice', async () => {
    let stops = 1;
    // The stable publication happens, then the run dies before recording it (as a SIGKILL would).
    const w = world('restart', [{ name: 'version', run: ['probe', '--version'] }], (real) => ({
      publishedHead: (site) => real.publishedHead(site),
      async publish(req) {
        const done = await real.publish(req);
        if (req.channel === 'stable' && stops-- > 0)
          throw new PatchferryError('test_stopped', 'stopped after the promotion', { retryable: true });
        return done;
      },
    }));
    const first = await publish(w.deps);
    expect(first.units).toMatchObject([{ key: `check:${w.buildId}` }]);
    expect(w.deps.store.checks.get(w.buildId)).toMatchObject({ state: 'passed', stableUrl: null });
    // The retry, due later: the clock moves past it.
    w.clock.advance(3_600_000);
    const again = await publish(w.deps);
    expect(again.units).toEqual([]);
    expect(w.deps.store.checks.get(w.buildId)?.stableUrl).toBe(
      'http://repos.example/stable/hello/master/el9/x86_64/',
    );
    // Checked once (the result was recorded), and stable published once.
    expect(w.tested).toHaveLength(1);
    expect(seqOf(join(w.root, 'stable/hello/master/el9'))).toBe(1);
  }, 120_000);
});
