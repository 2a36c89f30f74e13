import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { build, withContext } from '../../src/runtime/index.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { KojiHub } from '../servers/koji-hub.ts';
import { buildNoarch, noarchRepo, rpmToolsAvailable } from '../helpers/rpm.ts';
import { tempDir } from '../helpers/tmp.ts';

const haveRpm = rpmToolsAvailable('the Koji build stage');
const hub = new KojiHub();
beforeAll(() => hub.listen());
afterAll(() => hub.close());

describe.skipIf(!haveRpm)('the build stage with the koji builder', () => {
  it('submits once, yields while Koji works, and a later run (a new process) collects the RPMs', async () => {
    const dir = tempDir();
    // What Koji's builder would make of the package: the real noarch RPM.
    const rpm = readFileSync(await buildNoarch(join(dir, 'reference')));
    hub.noarchPackages.add('greeter');
    hub.srpmBuilders.add('builder');
    hub.tasks.outcome = (b, arch) => ({ ok: true, rpms: [{ name: `${b.nvr}.${arch}.rpm`, data: rpm }] });
    const repo = noarchRepo(join(dir, 'greeter'));
    const file = join(dir, 'patchferry.yml');
    writeFileSync(
      file,
      JSON.stringify({
        state: { database: 'state.sqlite' },
        workDir: 'work',
        sources: [{ type: 'mbox', path: 'list.mbox' }],
        projects: { greeter: { git: repo.path, branches: ['master'], platforms: ['el9'] } },
        platforms: { el9: { dist: '.el9', arches: ['x86_64', 'aarch64'], kojiTarget: 'epel9-candidate' } },
        builder: {
          type: 'koji',
          hub: hub.hubUrl,
          auth: { method: 'password', user: 'builder', passwordEnv: 'PF_KOJI_PASSWORD' },
          pollSeconds: 0.05,
        },
        publisher: { root: 'repos', baseUrl: 'http://127.0.0.1:8080/' },
        reporter: { from: 'patchferry <pf@example.org>', listAddress: 'list@example.org' },
      }),
    );
    writeFileSync(join(dir, 'list.mbox'), '');
    const env = { ...process.env, PF_KOJI_PASSWORD: 'secret' };
    const config = loadConfig(file);
    const submits = () => hub.requests.filter((r) => r.method === 'build').length;
    const before = submits();

    const first = await withContext(config, silentLogger(), (ctx) => build(ctx, { all: true }), env);
    expect(first.builds).toEqual([]);
    expect(submits()).toBe(before + 1);
    hub.tasks.settle();
    await new Promise((r) => setTimeout(r, 100));

    const second = await withContext(config, silentLogger(), (ctx) => build(ctx, { all: true }), env);
    expect(submits()).toBe(before + 1);
    expect(second.builds).toHaveLength(1);
    const [built] = second.builds;
    expect(built?.ok).toBe(true);
    expect(built?.rpms.map((p) => basename(p))).toContainEqual(
      expect.stringMatching(/^greeter-0\.1-1\..*\.noarch\.rpm$/),
    );
  });
});
