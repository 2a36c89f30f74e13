import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PublishedBuildLogs } from '../../src/publish/build-logs.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { htmlErrors } from '../helpers/html.ts';
import { tempDir } from '../helpers/tmp.ts';

function setup(keep = 2, run?: string) {
  const dir = tempDir();
  const root = join(dir, 'repos');
  const work = join(dir, 'work');
  const logs = new PublishedBuildLogs({
    root,
    baseUrl: 'http://repos.example/pf',
    keep,
    ...(run === undefined ? {} : { run }),
    log: silentLogger(),
  });
  const publish = (buildId: number, text: string) => {
    const outDir = join(work, 'builds', String(buildId), 'attempt-1');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'build.x86_64.log'), text);
    return logs.publish({
      project: 'hello',
      branch: 'stable-1.0',
      platform: 'el9',
      buildId,
      nvr: 'hello-1.0-1.el9',
      logs: [{ name: 'build.x86_64.log', path: join(outDir, 'build.x86_64.log') }],
      hostPaths: [
        { host: join(outDir, 'x86_64'), shown: '/build' },
        { host: work, shown: '<work dir>' },
      ],
    });
  };
  return { root, work, publish };
}

describe('published build logs', () => {
  it('serves a build log under logs/<project>/<branch>/<platform>/<build>-<NVR>/ with the host paths rewritten', async () => {
    const { root, work, publish } = setup();
    const urls = await publish(7, `cd ${work}/builds/7/attempt-1/x86_64/BUILD\nerror: in ${work}/srpms\n`);
    expect(urls.get('build.x86_64.log')).toBe(
      'http://repos.example/pf/logs/hello/stable-1.0/el9/7-hello-1.0-1.el9/build.x86_64.log',
    );
    const text = readFileSync(
      join(root, 'logs/hello/stable-1.0/el9/7-hello-1.0-1.el9/build.x86_64.log'),
      'utf8',
    );
    expect(text).toBe('cd /build/BUILD\nerror: in <work dir>/srpms\n');
  });

  it('keeps the logs of the newest builds only, as the repositories keep packages', async () => {
    const { root, publish } = setup(2);
    for (const id of [3, 10, 4]) await publish(id, `build ${id}\n`);
    const dir = join(root, 'logs/hello/stable-1.0/el9');
    expect(readdirSync(dir).sort()).toEqual(['10-hello-1.0-1.el9', '4-hello-1.0-1.el9', 'index.html']);
    // Publishing a build again replaces its logs whole.
    await publish(10, 'again\n');
    expect(readFileSync(join(dir, '10-hello-1.0-1.el9/build.x86_64.log'), 'utf8')).toBe('again\n');
    expect(existsSync(join(dir, '3-hello-1.0-1.el9'))).toBe(false);
  });

  it("gives every directory from a build's up to logs/ an index.html listing it, as retention leaves it", async () => {
    const { root, publish } = setup(1);
    await publish(1, 'build 1\n');
    await publish(2, 'build 2\n');
    const page = (dir: string) => readFileSync(join(root, dir, 'index.html'), 'utf8');
    expect(page('logs/hello/stable-1.0/el9/2-hello-1.0-1.el9')).toContain('href="build.x86_64.log"');
    const platform = page('logs/hello/stable-1.0/el9');
    expect(platform).toContain('href="2-hello-1.0-1.el9/"');
    expect(platform).not.toContain('1-hello-1.0-1.el9');
    expect(page('logs/hello/stable-1.0')).toContain('href="el9/"');
    expect(page('logs/hello')).toContain('href="stable-1.0/"');
    expect(page('logs')).toContain('href="hello/"');
    expect(htmlErrors(page('logs'))).toEqual([]);
    // The root's page is the repositories' publisher's: the logs leave it alone.
    expect(existsSync(join(root, 'index.html'))).toBe(false);
  });

  it("names a pipeline's build by its run too: a rebuild in a later pipeline keeps the earlier log, and runs order retention", async () => {
    const first = setup(2, '1001');
    const urls = await first.publish(1, 'first pipeline\n');
    expect(urls.get('build.x86_64.log')).toBe(
      'http://repos.example/pf/logs/hello/stable-1.0/el9/1001.1-hello-1.0-1.el9/build.x86_64.log',
    );
    const dir = join(first.root, 'logs/hello/stable-1.0/el9');
    // A log of before runs were named (build 5 of some pipeline) is older than any named one.
    mkdirSync(join(dir, '5-hello-1.0-1.el9'));
    const later = new PublishedBuildLogs({
      root: first.root,
      baseUrl: 'http://repos.example/pf',
      keep: 2,
      run: '1002',
      log: silentLogger(),
    });
    const outDir = join(first.work, 'again');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'build.x86_64.log'), 'second pipeline\n');
    await later.publish({
      project: 'hello',
      branch: 'stable-1.0',
      platform: 'el9',
      buildId: 1,
      nvr: 'hello-1.0-1.el9',
      logs: [{ name: 'build.x86_64.log', path: join(outDir, 'build.x86_64.log') }],
      hostPaths: [],
    });
    expect(readdirSync(dir).sort()).toEqual([
      '1001.1-hello-1.0-1.el9',
      '1002.1-hello-1.0-1.el9',
      'index.html',
    ]);
    expect(readFileSync(join(dir, '1001.1-hello-1.0-1.el9/build.x86_64.log'), 'utf8')).toBe(
      'first pipeline\n',
    );
  });
});
