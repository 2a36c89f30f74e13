import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KojiClient } from '../../../src/build/koji/client.ts';
import { KojiBuilder, type KojiBuilderOptions } from '../../../src/build/koji/koji-builder.ts';
import { TaskPoller } from '../../../src/build/koji/poller.ts';
import type { BuildProgress, BuildRequest, BuildResult } from '../../../src/ports/builder.ts';
import { silentLogger } from '../../../src/shared/log.ts';
import { KojiHub } from '../../servers/koji-hub.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { rpmToolsAvailable } from '../../helpers/rpm.ts';

const ARCHES = ['x86_64', 'aarch64', 'ppc64le'];
const haveRpm = rpmToolsAvailable('KojiBuilder tests (real RPMs for the digest check)');
const hub = new KojiHub();
const rpmDir = mkdtempSync(join(tmpdir(), 'patchferry-koji-rpms-'));
/** Real RPMs per arch (rpmbuild --target), so the builder's digest check has something to check. */
const rpms = new Map<string, Buffer>();

beforeAll(async () => {
  await hub.listen();
  if (!haveRpm) return;
  writeFileSync(
    join(rpmDir, 'greeter.spec'),
    'Name: greeter\nVersion: 0.1\nRelease: 1\nSummary: t\nLicense: MIT\n%description\nt\n%install\nmkdir -p %{buildroot}/usr/share/greeter\necho hi > %{buildroot}/usr/share/greeter/hi\n%files\n/usr/share/greeter/hi\n',
  );
  for (const arch of ARCHES) {
    execFileSync(
      'rpmbuild',
      ['-bb', '--target', arch, '--define', `_topdir ${rpmDir}/top`, join(rpmDir, 'greeter.spec')],
      { stdio: 'pipe' },
    );
    rpms.set(arch, readFileSync(join(rpmDir, 'top', 'RPMS', arch, `greeter-0.1-1.${arch}.rpm`)));
  }
  hub.tasks.outcome = (build, arch) => ({
    ok: true,
    rpms: [{ name: `${build.nvr}.${arch}.rpm`, data: rpms.get(arch) as Buffer }],
  });
});
afterAll(async () => {
  await hub.close();
  execFileSync('rm', ['-rf', rpmDir]);
});

let clock = Date.parse('2026-11-29T22:00:00Z');

function builder(o: Partial<KojiBuilderOptions> = {}): KojiBuilder {
  const client = new KojiClient({
    hub: { url: new URL(hub.hubUrl) },
    login: { method: 'password', user: 'builder', password: 'secret' },
    log: silentLogger(),
    retries: 1,
    retryBaseMs: 5,
    timeoutMs: 5000,
  });
  const poller = new TaskPoller({ client, log: silentLogger(), freshMs: 0, gatherMs: 1 });
  return new KojiBuilder({
    client,
    poller,
    topurl: hub.topurl,
    log: silentLogger(),
    pollMs: 1000,
    timeoutMs: 3600_000,
    now: () => clock,
    ...o,
  });
}

function request(o: Partial<BuildRequest> = {}): BuildRequest {
  const dir = tempDir();
  const srpm = join(dir, 'greeter-0.1-1.src.rpm');
  writeFileSync(srpm, 'source rpm');
  return {
    project: 'greeter',
    branch: 'main',
    commit: 'a'.repeat(40),
    target: { name: 'el9', dist: '.el9', arches: ARCHES, kojiTarget: 'epel9-candidate', releasever: '9' },
    srpm: { path: srpm, name: 'greeter', version: '0.1', release: '1' },
    scratch: true,
    outDir: join(dir, 'out'),
    ...o,
  };
}

function pendingHandle(p: BuildProgress): string {
  if (!('pending' in p)) throw new Error('expected a pending build');
  return p.pending.handle;
}

function doneResult(p: BuildProgress): BuildResult {
  if (!('done' in p)) throw new Error('expected a finished build');
  return p.done;
}

const builds = () => hub.requests.filter((r) => r.method === 'build').length;

describe.skipIf(!haveRpm)('KojiBuilder against the test hub', () => {
  it('submits a scratch build from the uploaded SRPM, stays pending while Koji works, then downloads every arch', async () => {
    const b = builder();
    const req = request();
    const started = await b.start(req);
    const handle = pendingHandle(started);
    expect('pending' in started && started.pending.taskId).toBeGreaterThan(0);
    hub.tasks.tick();
    expect('pending' in (await b.check(handle, req))).toBe(true);
    hub.tasks.settle();
    const result = doneResult(await b.check(handle, req));
    expect(result.state).toBe('succeeded');
    expect(result.arches.map((a) => [a.arch, a.state])).toEqual(ARCHES.map((a) => [a, 'succeeded']));
    for (const a of result.arches) {
      expect(a.rpms.map((p) => basename(p))).toEqual([`greeter-0.1-1.${a.arch}.rpm`]);
      expect(readFileSync(a.rpms[0] as string).equals(rpms.get(a.arch) as Buffer)).toBe(true);
    }
    expect(result.log).toMatch(new RegExp(`^${hub.topurl}/work/tasks/\\d+/\\d+/build.log$`));
    const top = hub.tasks.tasks.get(result.taskId as number);
    expect(top?.build.scratch).toBe(true);
  });

  it('resumes polling a stored task after a restart, never submitting again', async () => {
    const req = request();
    const handle = pendingHandle(await builder().start(req));
    const submitted = builds();
    hub.tasks.settle();
    const restarted = builder();
    expect(doneResult(await restarted.check(handle, req)).state).toBe('succeeded');
    expect(builds()).toBe(submitted);
  });

  it('classes a compile error in the failing arch build.log as the patch, with its error lines and log link', async () => {
    hub.tasks.outcome = (build, arch) =>
      arch === 'aarch64'
        ? {
            ok: false,
            buildLog: `${'noise\n'.repeat(20_000)}gcc -c greeter.c\ngreeter.c:3:5: error: expected ';' before '}' token\nerror: Bad exit status from /var/tmp/rpm-tmp.x (%build)\n`,
            rootLog: 'DEBUG util.py: Child return code was: 0\n',
          }
        : { ok: true, rpms: [{ name: `${build.nvr}.${arch}.rpm`, data: rpms.get(arch) as Buffer }] };
    const req = request();
    const b = builder();
    const handle = pendingHandle(await b.start(req));
    hub.tasks.settle();
    const result = doneResult(await b.check(handle, req));
    hub.tasks.outcome = (build, arch) => ({
      ok: true,
      rpms: [{ name: `${build.nvr}.${arch}.rpm`, data: rpms.get(arch) as Buffer }],
    });
    expect(result.state).toBe('failed');
    expect(result.failure).toMatchObject({ class: 'patch', arch: 'aarch64' });
    expect(result.failure?.errorLines).toContain("greeter.c:3:5: error: expected ';' before '}' token");
    expect(result.arches.find((a) => a.arch === 'aarch64')?.state).toBe('failed');
    expect(result.log).toMatch(/\/work\/tasks\/\d+\/\d+\/build\.log$/);
    const tail = await b.logTail(result.log as string, 2);
    expect(tail).toContain('Bad exit status');
  });

  it('classes a mirror failure in root.log as the infrastructure', async () => {
    hub.tasks.outcome = () => ({
      ok: false,
      buildLog: '',
      rootLog:
        "Curl error (6): Couldn't resolve host name for https://mirror.example.org/repodata/repomd.xml\nDEBUG util.py: Child return code was: 1\n",
    });
    const req = request();
    const b = builder();
    const handle = pendingHandle(await b.start(req));
    hub.tasks.settle();
    const result = doneResult(await b.check(handle, req));
    hub.tasks.outcome = (build, arch) => ({
      ok: true,
      rpms: [{ name: `${build.nvr}.${arch}.rpm`, data: rpms.get(arch) as Buffer }],
    });
    expect(result.failure?.class).toBe('infrastructure');
  });

  it('checks the target before submitting: a missing one is a configuration error, a locked tag is retried', async () => {
    const b = builder();
    const submitted = builds();
    await expect(
      b.start(
        request({
          target: { name: 'el9', dist: '.el9', arches: ARCHES, kojiTarget: 'nope', releasever: null },
        }),
      ),
    ).rejects.toMatchObject({
      code: 'koji_target_invalid',
      retryable: false,
    });
    const t = hub.targets.get('epel9-candidate');
    if (t) t.locked = true;
    await expect(b.start(request({ scratch: false }))).rejects.toMatchObject({
      code: 'koji_target_invalid',
      retryable: true,
    });
    if (t) t.locked = false;
    expect(builds()).toBe(submitted);
  });

  it('says what to configure when the hub lets only admins build from an SRPM', async () => {
    await expect(builder().start(request({ scratch: false }))).rejects.toMatchObject({
      code: 'koji_config',
      fault: 1004,
    });
  });

  it('cancels a build that runs past its time limit, as an infrastructure failure', async () => {
    const req = request();
    const b = builder();
    const handle = pendingHandle(await b.start(req));
    hub.tasks.tick();
    clock += 2 * 3600_000;
    const result = doneResult(await b.check(handle, req));
    expect(result.failure?.class).toBe('infrastructure');
    expect(hub.tasks.tasks.get(result.taskId as number)?.state).toBe(3);
  });

  it('builds from the SCM URL when Koji trusts the forge, uploading nothing', async () => {
    const uploads = hub.requests.filter((r) => r.method === 'upload').length;
    const b = builder({ scmUrl: (r) => `git+https://forge.example.org/greeter.git#${r.commit}` });
    const req = request({ scratch: false });
    const handle = pendingHandle(await b.start(req));
    hub.tasks.settle();
    const result = doneResult(await b.check(handle, req));
    expect(result.state).toBe('succeeded');
    expect(hub.requests.filter((r) => r.method === 'upload').length).toBe(uploads);
    const kids = hub.tasks.children(result.taskId as number).map((t) => t.method);
    expect(kids).toContain('buildSRPMFromSCM');
  });

  it('keeps a build pending while the hub is offline (1014) instead of failing it', async () => {
    const req = request();
    const b = builder();
    const handle = pendingHandle(await b.start(req));
    hub.offline = true;
    const p = await b.check(handle, req);
    hub.offline = false;
    expect('pending' in p).toBe(true);
  });
});
