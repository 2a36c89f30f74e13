import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type Io } from '../../src/cli/main.ts';
import { demoConfig } from '../../src/demo/demo.ts';
import { createDemoWorld } from '../../src/demo/world.ts';
import { rpmToolsAvailable } from '../helpers/rpm.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';

const CHROMIUM = '/usr/bin/chromium';
/** Screenshots of the console, kept as the test's artifacts (gitignored). */
const ARTIFACTS = join(import.meta.dirname, '../../test-artifacts/console');
const chromiumHere = spawnSync(CHROMIUM, ['--version']).status === 0;
if (!chromiumHere && process.env.CI === 'true')
  throw new Error(`${CHROMIUM} not found: ci/setup --test installs the chromium package`);
if (!chromiumHere) console.warn(`console browser test skipped: ${CHROMIUM} not found (ci/setup --test)`);
const runnable = chromiumHere && rpmToolsAvailable('the console browser test');

describe.skipIf(!runnable)('the console in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Playwright gives the browser a fresh profile of its own (--user-data-dir) and --headless.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('runs the pipeline from its form, shows the build with its log, and retries a unit given up on', async () => {
    const world = await createDemoWorld(join(tempDir(), 'world'));
    // The demo's configuration with an empty list: the only builds are those the form asks for.
    writeFileSync(join(world.dir, 'quiet.mbox'), '');
    const configFile = join(world.dir, 'patchferry.yml');
    writeFileSync(
      configFile,
      `${demoConfig('http://127.0.0.1:1/').replace('path: list.mbox', 'path: quiet.mbox')}schedule: { nightly: "30 2 * * *", timezone: UTC }\n`,
    );
    const server = serve(configFile);
    const url = await server.url();
    // A unit given up on: a mail its SMTP server refused for good (written as the worker would).
    const database = join(world.dir, 'state', 'patchferry.db');
    giveUp(database, 'mail:console-test:dead', {
      type: 'mail',
      seriesId: null,
      message: {
        to: ['mia@example.org'],
        cc: [],
        subject: 'asked for again from the console',
        inReplyTo: null,
        references: [],
        body: 'hello\n',
      },
    });

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    let dialogs = 0;
    page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    await page.goto(url);
    await expect(page.locator('h2', { hasText: 'Run pipeline' }).count()).resolves.toBe(1);
    expect(await page.textContent('#pipeline')).toMatch(/Next nightly run: .*02:30 UTC/);
    expect(await page.textContent('body')).toContain('No build yet.');
    await page.screenshot({ path: join(ARTIFACTS, '1-before.png'), fullPage: true });

    await page.selectOption('select[name=project]', 'hello');
    await page.selectOption('select[name=branch]', 'master');
    await page.check('input[name=platforms][value=el9]');
    await Promise.all([page.waitForURL(/\/\?done=pipeline$/), page.click('button:has-text("Run pipeline")')]);
    expect(await page.textContent('.notice')).toContain('Pipeline queued');

    // The build appears (queued, then running, then built); the page is read again until it is done.
    const buildRow = page.locator('section:has(h2:text-is("Builds")) tbody tr');
    await waitFor(async () => {
      await page.reload();
      return (
        (await buildRow.count()) === 1 &&
        /succeeded|failed/.test((await buildRow.first().textContent()) ?? '')
      );
    }, 60_000);
    const cells = await buildRow.first().locator('td').allTextContents();
    expect(cells.slice(0, 2)).toEqual(['hello', 'master']);
    expect(cells[3]).toBe('el9');
    expect(cells[4]).toBe('succeeded');
    expect(cells[5]).toMatch(/^\d+ s$|min/);
    await page.screenshot({ path: join(ARTIFACTS, '2-built.png'), fullPage: true });

    // Its log opens from the link.
    const log = await page.request.get(
      new URL((await buildRow.first().locator('a').getAttribute('href')) ?? '', url).href,
    );
    expect(log.status()).toBe(200);
    expect(await log.text()).toMatch(/rpmbuild|Wrote:/);

    // Published, with the dnf line (the publish unit follows the build).
    await waitFor(async () => {
      await page.reload();
      // el9 ships dnf 4: its line adds the .repo file with --add-repo.
      return ((await page.textContent('body')) ?? '').includes('dnf config-manager --add-repo');
    }, 30_000);

    // Retry: the unit given up on runs again and the mail reaches the outbox.
    const dead = page.locator('section:has(h2:text-is("Units given up on")) tbody tr');
    expect(await dead.count()).toBe(1);
    await Promise.all([page.waitForURL(/\/\?done=retry$/), dead.first().locator('button').click()]);
    const outbox = join(world.dir, 'outbox.mbox');
    await until(
      () => existsSync(outbox) && readFileSync(outbox, 'utf8').includes('asked for again from the console'),
      15_000,
    );
    await page.reload();
    expect(await page.textContent('section:has(h2:text-is("Units given up on"))')).toContain('None.');
    await page.screenshot({ path: join(ARTIFACTS, '3-retried.png'), fullPage: true });
    expect(dialogs).toBe(0);

    server.stop();
    expect(await server.serving).toBe(0);
  }, 120_000);
});

/** `patchferry serve` on a free port of 127.0.0.1 until `stop()`. */
function serve(configFile: string) {
  const out: string[] = [];
  let stop = () => {};
  const io: Io = {
    out: (l) => out.push(l),
    err: (l) => out.push(l),
    env: { PATCHFERRY_LOG_LEVEL: 'silent' },
    interrupted: () => new Promise<void>((resolve) => (stop = resolve)),
  };
  const serving = main(['serve', '--config', configFile, '--port', '0', '--poll', '0.2'], io);
  const base = () => /at (http:\/\/\S+)\/$/.exec(out.find((l) => l.startsWith('Console, ')) ?? '')?.[1];
  return {
    serving,
    stop: () => stop(),
    url: async () => {
      await until(() => base() !== undefined, 15_000);
      return `${base() ?? ''}/`;
    },
  };
}

/** Writes a dead unit into the daemon's database, as the worker buries one. */
function giveUp(database: string, key: string, payload: unknown): void {
  const db = new DatabaseSync(database);
  try {
    const t = new Date().toISOString();
    db.prepare(
      `INSERT INTO work (kind, key, payload, state, attempts, not_before, error_code, error_message, created_at, updated_at)
       VALUES ('mail', ?, ?, 'dead', 20, 0, 'smtp_refused', 'the server refused the recipient for good', ?, ?)`,
    ).run(key, JSON.stringify(payload), t, t);
  } finally {
    db.close();
  }
}

async function waitFor(condition: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
