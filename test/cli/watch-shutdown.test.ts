import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { demoConfig } from '../../src/demo/demo.ts';
import { createDemoWorld } from '../../src/demo/world.ts';
import { commitFiles, git } from '../helpers/git.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const rpmbuild = spawnSync('rpmbuild', ['--version']).status === 0;

describe.skipIf(!rpmbuild && process.env.CI !== 'true')('patchferry watch, asked to stop', () => {
  it('stops within shutdownSeconds on SIGTERM, aborts the build it was running with its processes, and leaves it to run again', async () => {
    const world = await createDemoWorld(join(tempDir(), 'world'));
    // A build that takes long enough to be stopped half-way, with a marker to find its process by.
    const marker = `patchferry-shutdown-${process.pid}-${Date.now()}`;
    const work = join(world.dir, 'src', 'hello');
    git(work, ['checkout', '-q', 'master']);
    const spec = readFileSync(join(work, 'hello.spec'), 'utf8');
    commitFiles(work, 'spec: a slow build', {
      'hello.spec': spec.replace('%build\n', `%build\nsh -c 'sleep 60; : ${marker}'\n`),
    });
    git(work, ['push', '-q', world.upstream, 'master']);
    const configFile = join(world.dir, 'patchferry.yml');
    writeFileSync(configFile, `${demoConfig('http://127.0.0.1:1/')}work: { shutdownSeconds: 1 }\n`);

    const child = spawn(
      process.execPath,
      ['bin/patchferry.mjs', 'watch', '--config', configFile, '--poll', '3600'],
      {
        cwd: ROOT,
        env: { ...process.env, PATCHFERRY_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const db = join(world.dir, 'state', 'patchferry.db');
    const building = () => {
      try {
        const store = new DatabaseSync(db, { readOnly: true });
        try {
          return (
            store.prepare(`SELECT 1 FROM work WHERE kind = 'build' AND state = 'running'`).get() !== undefined
          );
        } finally {
          store.close();
        }
      } catch {
        return false;
      }
    };
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Two builders build master's two targets side by side, under whatever else the machine runs.
    await until(() => building() && running(marker), 60_000).catch((err: unknown) => {
      throw new Error(`the slow build never ran: ${String(err)}\n${stderr.slice(-3000)}`);
    });

    const asked = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // One second of grace for the unit, then the abort; the rest is node exiting.
    expect(Date.now() - asked).toBeLessThan(5000);
    expect(running(marker)).toBe(false);
    const store = new DatabaseSync(db, { readOnly: true });
    try {
      const units = store
        .prepare(`SELECT state, attempts FROM work WHERE kind = 'build' AND state <> 'done'`)
        .all();
      // The interrupted build waits to run again; it did not count as a failed attempt.
      expect(units.length).toBeGreaterThan(0);
      expect(units.every((u) => u.state === 'pending' && u.attempts === 0)).toBe(true);
    } finally {
      store.close();
    }
  }, 90_000);
});

/** Whether a process whose command line holds `marker` is alive. */
function running(marker: string): boolean {
  return spawnSync('pgrep', ['-f', marker]).status === 0;
}
