import { readFileSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { main, type Io } from '../../src/cli/main.ts';
import { makeMboxWorld } from '../helpers/mbox-world.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';

/** `patchferry serve` on a free port of 127.0.0.1 until `stop()`; SIGHUP by `hangup()`. */
function serve(configFile: string) {
  const out: string[] = [];
  let stop = () => {};
  const hangups: (() => void)[] = [];
  const io: Io = {
    out: (l) => out.push(l),
    err: (l) => out.push(l),
    env: { PATCHFERRY_LOG_LEVEL: 'silent' },
    interrupted: () => new Promise<void>((resolve) => (stop = resolve)),
    hangups: (l) => hangups.push(l),
  };
  const serving = main(['serve', '--config', configFile, '--port', '0', '--poll', '0.2'], io);
  const base = () => /at (http:\/\/\S+)\/$/.exec(out.find((l) => l.startsWith('Console, ')) ?? '')?.[1];
  return {
    out,
    serving,
    stop: () => stop(),
    hangup: () => hangups.forEach((h) => h()),
    url: async () => {
      await until(() => base() !== undefined, 10_000);
      return base() ?? '';
    },
  };
}

function count(database: string, sql: string): number {
  const db = new DatabaseSync(database, { readOnly: true });
  try {
    return Number(db.prepare(sql).get()?.n);
  } catch {
    return 0;
  } finally {
    db.close();
  }
}

async function waitFor(condition: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('patchferry serve in direct mode', () => {
  it('answers /healthz, /readyz and /metrics on its one port, and counts the series it applied', async () => {
    const world = makeMboxWorld(tempDir());
    world.series('x<img src=x onerror=alert(1)>', 2);
    const server = serve(world.configFile);
    const url = await server.url();
    await waitFor(
      () => count(world.database, `SELECT count(*) AS n FROM series WHERE state = 'applied'`) === 1,
    );

    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ alive: true });

    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    const readiness = (await ready.json()) as { ready: boolean; checks: Record<string, unknown> };
    expect(readiness.ready).toBe(true);
    expect(readiness.checks.database).toEqual({ ok: true });
    expect(readiness.checks.mailboxes).toEqual([
      { source: expect.stringMatching(/^mbox:/), connected: null },
    ]);

    await waitFor(async () =>
      /patchferry_unit_runs_total\{kind="series",outcome="done"\} 1/.test(
        await (await fetch(`${url}/metrics`)).text(),
      ),
    );
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await metrics.text();
    expect(text).toMatch(/^patchferry_series\{state="applied"\} 1$/m);
    expect(text).toMatch(/^patchferry_mails_received_total 3$/m);
    expect(text).toMatch(/^patchferry_series_outcomes_total\{outcome="applied"\} 1$/m);
    expect(text).toContain('# TYPE patchferry_build_duration_seconds histogram');
    expect(text).toContain('# TYPE patchferry_queue_depth gauge');
    // The build of master (the world's package has no spec: it fails) is timed per target.
    await waitFor(async () =>
      /patchferry_build_duration_seconds_count\{target="el9",state="failed"\} 1/.test(
        await (await fetch(`${url}/metrics`)).text(),
      ),
    );

    // The console shows the series with its untrusted subject escaped.
    const page = await (await fetch(`${url}/`)).text();
    expect(page).toContain('x&#60;img src=x onerror=alert(1)&#62;');
    expect(page).not.toContain('<img');
    server.stop();
    expect(await server.serving).toBe(0);
  }, 40_000);

  it('queues the pipeline from the console only with the page’s CSRF token', async () => {
    const world = makeMboxWorld(tempDir());
    const server = serve(world.configFile);
    const url = await server.url();
    const page = await (await fetch(`${url}/`)).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
    expect(csrf).not.toBe('');
    const post = (form: Record<string, string>) =>
      fetch(`${url}/pipeline`, { method: 'POST', body: new URLSearchParams(form), redirect: 'manual' });

    expect((await post({ csrf: 'forged', project: 'hello' })).status).toBe(403);
    expect((await post({ csrf, project: 'nope' })).status).toBe(400);
    expect(count(world.database, `SELECT count(*) AS n FROM work WHERE kind = 'build'`)).toBe(0);

    const queued = await post({ csrf, project: 'hello', branch: 'master', platforms: 'el9' });
    expect(queued.status).toBe(303);
    expect(queued.headers.get('location')).toBe('/?done=pipeline');
    await waitFor(
      () => count(world.database, `SELECT count(*) AS n FROM builds WHERE platform = 'el9'`) === 1,
    );
    server.stop();
    expect(await server.serving).toBe(0);
  }, 30_000);

  it('keeps its configuration on SIGHUP when the file became invalid, and takes up a valid one', async () => {
    const world = makeMboxWorld(tempDir());
    const original = readFileSync(world.configFile, 'utf8');
    const server = serve(world.configFile);
    const url = await server.url();
    expect(await (await fetch(`${url}/`)).text()).toContain('No nightly run is scheduled');

    writeFileSync(world.configFile, `${original}schedule: { nightly: "not cron" }\n`);
    server.hangup();
    await new Promise((r) => setTimeout(r, 300));
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${url}/`)).text()).toContain('No nightly run is scheduled');

    writeFileSync(
      world.configFile,
      `${original}schedule: { nightly: "0 3 * * *", timezone: Europe/Berlin }\n`,
    );
    server.hangup();
    await waitFor(async () => (await (await fetch(`${url}/`)).text()).includes('Next nightly run'));
    // Mail keeps coming in on the new configuration.
    world.series('after-reload', 1);
    await waitFor(
      () => count(world.database, `SELECT count(*) AS n FROM series WHERE state = 'applied'`) === 1,
    );
    server.stop();
    expect(await server.serving).toBe(0);
  }, 30_000);
});
