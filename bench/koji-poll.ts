// bench:koji — 50 Koji builds of 3 arches watched at once against the test hub (test/servers/),
// driven through KojiBuilder as the build units drive it: how many hub calls one poll round costs
// (must be 1: one multiCall for every running build), against the CLI's way (getTaskInfo and
// getTaskChildren per task) timed on the same hub in the same run.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { KojiClient } from '../src/build/koji/client.ts';
import { KojiBuilder } from '../src/build/koji/koji-builder.ts';
import { TaskPoller } from '../src/build/koji/poller.ts';
import { taskInfo } from '../src/build/koji/schemas.ts';
import type { BuildRequest } from '../src/ports/builder.ts';
import { silentLogger } from '../src/shared/log.ts';
import { KojiHub } from '../test/servers/koji-hub.ts';

const BUILDS = 50;
const ARCHES = ['x86_64', 'aarch64', 'ppc64le'];
const POLL_MS = 30_000;
const POLLING = new Set(['multiCall', 'getTaskInfo', 'getTaskChildren']);

const dir = mkdtempSync(join(tmpdir(), 'patchferry-bench-koji-'));
const hub = new KojiHub();
try {
  await hub.listen();
  const rpms = realRpms(dir);
  hub.tasks.outcome = (build, arch) => ({
    ok: true,
    rpms: [{ name: `${build.nvr}.${arch}.rpm`, data: rpms.get(arch) as Buffer }],
  });
  let now = Date.parse('2026-11-29T22:00:00Z');
  const client = new KojiClient({
    hub: { url: new URL(hub.hubUrl) },
    login: { method: 'password', user: 'builder', password: 'secret' },
    log: silentLogger(),
  });
  const poller = new TaskPoller({ client, log: silentLogger(), freshMs: POLL_MS / 2, now: () => now });
  const builder = new KojiBuilder({
    client,
    poller,
    topurl: hub.topurl,
    log: silentLogger(),
    pollMs: POLL_MS,
    now: () => now,
  });

  const pending = new Map<number, { handle: string; req: BuildRequest }>();
  const srpm = join(dir, 'greeter-0.1-1.src.rpm');
  writeFileSync(srpm, 'source rpm');
  for (let i = 0; i < BUILDS; i++) {
    const req: BuildRequest = {
      project: 'greeter',
      branch: `b${i}`,
      commit: i.toString(16).padStart(40, '0'),
      target: { name: 'el9', dist: '.el9', arches: ARCHES, kojiTarget: 'epel9-candidate', releasever: '9' },
      srpm: { path: srpm, name: 'greeter', version: '0.1', release: '1' },
      scratch: true,
      outDir: join(dir, 'out', String(i)),
    };
    const p = await builder.start(req);
    if (!('pending' in p)) throw new Error('bench:koji: a Koji build finished at once');
    pending.set(i, { handle: p.pending.handle, req });
  }

  // Poll rounds as the worker runs them: every build unit due at once checks its build in turn.
  const perRound: number[] = [];
  const roundMs: number[] = [];
  let naiveMs = 0;
  let naiveCalls = 0;
  let rounds = 0;
  while (pending.size > 0 && rounds < 50) {
    hub.tasks.tick();
    now += POLL_MS;
    rounds++;
    if (rounds === 4) ({ ms: naiveMs, calls: naiveCalls } = await naiveRound(client, [...pending.values()]));
    const before = polls();
    const t0 = performance.now();
    for (const [i, { handle, req }] of pending) {
      const p = await builder.check(handle, req);
      if ('done' in p) {
        if (p.done.state !== 'succeeded')
          throw new Error(`bench:koji: build ${i} failed: ${p.done.failure?.message}`);
        pending.delete(i);
      }
    }
    roundMs.push(performance.now() - t0);
    perRound.push(polls() - before);
  }
  if (pending.size > 0) throw new Error('bench:koji: builds did not finish');

  const callsPerPoll = Math.max(...perRound);
  const multiRoundMs = roundMs[3] ?? NaN;
  console.log(`${BUILDS} builds × ${ARCHES.length} arches watched at once, ${rounds} poll rounds`);
  console.log(`hub calls per poll round: ${perRound.join(' ')} (max ${callsPerPoll})`);
  console.log(
    `the CLI's way (getTaskInfo + getTaskChildren per task): ${naiveCalls} calls, ${naiveMs.toFixed(1)} ms for one round`,
  );
  console.log(`one multiCall round through KojiBuilder.check of every build: ${multiRoundMs.toFixed(1)} ms`);
  console.log(
    JSON.stringify({
      koji_calls_per_poll: callsPerPoll,
      koji_builds: BUILDS,
      koji_arches: ARCHES.length,
      koji_naive_calls_per_poll: naiveCalls,
      koji_poll_round_ms: round1(multiRoundMs),
      koji_naive_round_ms: round1(naiveMs),
      ratio_koji_poll_vs_naive: Number((multiRoundMs / naiveMs).toFixed(3)),
    }),
  );
  if (callsPerPoll !== 1) process.exitCode = 1;
} finally {
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
}

function polls(): number {
  return hub.requests.filter((r) => POLLING.has(r.method)).length;
}

/** One round the way `koji watch-task` polls: two calls per task. */
async function naiveRound(
  client: KojiClient,
  builds: { handle: string }[],
): Promise<{ ms: number; calls: number }> {
  const before = polls();
  const t0 = performance.now();
  for (const { handle } of builds) {
    const { taskId } = z.object({ taskId: z.number() }).parse(JSON.parse(handle));
    await client.call('getTaskInfo', [taskId, false, false], taskInfo);
    await client.call('getTaskChildren', [taskId, false, false], z.array(taskInfo));
  }
  return { ms: performance.now() - t0, calls: polls() - before };
}

/** One small real RPM per arch (rpmbuild --target), for the digest check of the downloads. */
function realRpms(work: string): Map<string, Buffer> {
  const spec = join(work, 'greeter.spec');
  writeFileSync(
    spec,
    'Name: greeter\nVersion: 0.1\nRelease: 1\nSummary: t\nLicense: MIT\n%description\nt\n%install\nmkdir -p %{buildroot}/usr/share/greeter\necho hi > %{buildroot}/usr/share/greeter/hi\n%files\n/usr/share/greeter/hi\n',
  );
  const out = new Map<string, Buffer>();
  for (const arch of ARCHES) {
    execFileSync('rpmbuild', ['-bb', '--target', arch, '--define', `_topdir ${work}/top`, spec], {
      stdio: 'pipe',
    });
    out.set(arch, readFileSync(join(work, 'top', 'RPMS', arch, `greeter-0.1-1.${arch}.rpm`)));
  }
  return out;
}

function round1(n: number): number {
  return Number(n.toFixed(1));
}
