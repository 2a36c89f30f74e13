import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { makeMboxWorld } from '../helpers/mbox-world.ts';
import { capturedIo } from '../helpers/io.ts';
import { tempDir } from '../helpers/tmp.ts';
import { demoConfig } from '../../src/demo/demo.ts';
import { createDemoWorld } from '../../src/demo/world.ts';

function io(env: NodeJS.ProcessEnv = {}, interrupted: 'now' | 'never' = 'now') {
  const { io: value, out, err } = capturedIo({ env, interrupted });
  return { value, out, err };
}

const EXAMPLE = join(import.meta.dirname, '../../examples/patchferry.yml');

describe('command line', () => {
  it('prints help for the program and for each command, exiting 0', async () => {
    const t = io();
    expect(await main(['--help'], t.value)).toBe(0);
    expect(t.out.join('\n')).toContain('config check');
    for (const command of [
      'demo',
      'sync',
      'build',
      'publish',
      'report',
      'watch',
      'serve',
      'import',
      'retry',
    ]) {
      const c = io();
      expect(await main([command, '--help'], c.value)).toBe(0);
      expect(c.out.join('\n')).toContain(`Usage: patchferry ${command}`);
    }
  });

  it('says its version', async () => {
    const t = io();
    expect(await main(['--version'], t.value)).toBe(0);
    expect(t.out).toEqual([expect.stringMatching(/^patchferry \d+\.\d+\.\d+/)]);
  });

  it('prints help for --help and --version together, in either order', async () => {
    for (const args of [
      ['--version', '--help'],
      ['--help', '--version'],
      ['-V', '-h'],
    ]) {
      const t = io();
      expect(await main(args, t.value), args.join(' ')).toBe(0);
      expect(t.out[0], args.join(' ')).toMatch(/^patchferry — .*\n\nUsage: patchferry <command>/);
      expect(t.err).toEqual([]);
    }
  });

  it('refuses words after --version instead of ignoring them (exit 2, nothing run)', async () => {
    const t = io();
    expect(await main(['--version', 'sync'], t.value)).toBe(2);
    expect(t.out).toEqual([]);
    expect(t.err).toEqual([
      'patchferry: --version takes nothing after it, not "sync"; run "patchferry --help"',
    ]);
  });

  it('names an unknown option, a missing value and an unknown ci stage in its own words', async () => {
    const unknown = io();
    expect(await main(['sync', '--bogus'], unknown.value)).toBe(2);
    expect(unknown.err).toEqual(['patchferry: sync: unknown option --bogus; run "patchferry sync --help"']);
    const missing = io();
    expect(await main(['build', '--branch'], missing.value)).toBe(2);
    expect(missing.err).toEqual(['patchferry: build: --branch needs a value; run "patchferry build --help"']);
    const by = io();
    expect(await main(['release', '--by', '', 'm@x'], by.value)).toBe(2);
    expect(by.err.join('')).toContain('release: --by wants the name of who releases the series');
    const port = io();
    expect(await main(['demo', '--port', ''], port.value)).toBe(2);
    expect(port.err.join('')).toContain('demo: --port "" is not a port number');
    const empty = io();
    expect(await main(['release', ''], empty.value)).toBe(2);
    expect(empty.err.join('')).toContain('release: give one Message-ID');
    const stage = io();
    expect(await main(['ci', 'deploy'], stage.value)).toBe(2);
    expect(stage.err.join('')).toContain(
      'ci: unknown stage "deploy"; the stages are: sync, build, publish, report',
    );
  });

  it('exits 2 on an unknown command or option, saying what is wrong', async () => {
    const t = io();
    expect(await main(['frobnicate'], t.value)).toBe(2);
    expect(t.err.join('\n')).toContain('unknown command "frobnicate"');
    const u = io();
    expect(await main(['sync', '--bogus'], u.value)).toBe(2);
    expect(u.err.join('\n')).toMatch(/sync: .*--bogus/);
    const v = io();
    expect(await main(['publish', '--project', 'x'], v.value)).toBe(2);
    expect(v.err.join('\n')).toContain('belong to "build"');
    const w = io();
    expect(await main(['build', '--config', EXAMPLE, '--project', 'nosuch'], w.value)).toBe(2);
    expect(w.err.join('\n')).toContain('build: no project "nosuch" in the configuration (known: ');
    const x = io();
    expect(await main(['build', '--config', EXAMPLE, '--platform', 'el7'], x.value)).toBe(2);
    expect(x.err.join('\n')).toContain('build: no platform "el7"');
    const h = io();
    expect(await main(['help', 'build'], h.value)).toBe(0);
    expect(h.out.join('\n')).toContain('Usage: patchferry build');
  });

  it('checks a valid configuration and exits 0', async () => {
    // The example's mbox is on the machine it was written for: here, a file of our own.
    const dir = tempDir();
    const file = join(dir, 'patchferry.yml');
    writeFileSync(join(dir, 'list.mbox'), '');
    writeFileSync(file, readFileSync(EXAMPLE, 'utf8').replace('/srv/lists/virt-patches.mbox', 'list.mbox'));
    const t = io();
    expect(await main(['config', 'check', file], t.value)).toBe(0);
    expect(t.out[0]).toContain('valid (2 project(s), 3 platform(s))');
  });

  it('lists every problem of an invalid configuration and exits 2', async () => {
    const file = join(tempDir(), 'bad.yml');
    writeFileSync(
      file,
      'workDir: w\nprojects:\n  qemu:\n    git: x\n    branches: ["ma ster"]\n    platforms: [el9]\n',
    );
    const t = io();
    expect(await main(['config', 'check', file], t.value)).toBe(2);
    const text = t.err.join('\n');
    expect(text).toContain('projects.qemu.branches[0]: "ma ster" is not a valid branch name');
    expect(text).toContain('state: is required');
    expect(text).toContain('projects.qemu.platforms[0]: "el9" is not a defined platform');
  });

  it('says where the missing configuration was looked for', async () => {
    const t = io({ PATCHFERRY_CONFIG: '/nonexistent/pf.yml' });
    expect(await main(['sync'], t.value)).toBe(2);
    expect(t.err.join('\n')).toContain('no configuration file at /nonexistent/pf.yml');
  });

  it('wants forgePath on every project once a forge is configured', async () => {
    const dir = tempDir();
    const file = join(dir, 'pf.yml');
    const text = (await import('node:fs')).readFileSync(EXAMPLE, 'utf8');
    writeFileSync(
      file,
      `${text}\nforge:\n  type: gitlab\n  url: https://gitlab.example.org\n  tokenEnv: GITLAB_TOKEN\n`,
    );
    const t = io();
    expect(await main(['config', 'check', file], t.value)).toBe(2);
    expect(t.err.join('\n')).toContain('projects.qemu.forgePath: is required with a forge');
    expect(t.err.join('\n')).toContain('projects.libvirt.forgePath: is required with a forge');
  });

  it('wants --since as a calendar day, and only on sync', async () => {
    const t = io();
    expect(await main(['sync', '--since', '2026-02-30', '--config', EXAMPLE], t.value)).toBe(2);
    expect(t.err.join('\n')).toContain('--since "2026-02-30" is not a date; give it as YYYY-MM-DD');
    const u = io();
    expect(await main(['build', '--since', '2026-01-01'], u.value)).toBe(2);
    expect(u.err.join('\n')).toContain('--since belongs to "sync"');
  });

  it('names the environment variable an IMAP source needs when it is not set', async () => {
    const dir = tempDir();
    const file = join(dir, 'patchferry.yml');
    writeFileSync(join(dir, 'list.mbox'), '');
    writeFileSync(file, readFileSync(EXAMPLE, 'utf8').replace('/srv/lists/virt-patches.mbox', 'list.mbox'));
    const t = io({});
    expect(await main(['sync', '--config', file], t.value)).toBe(2);
    expect(t.err.join('\n')).toContain('PATCHFERRY_IMAP_PASSWORD');
  });

  it('imports mailbox files through the same path as live mail, once', async () => {
    const world = await createDemoWorld(join(tempDir(), 'world'));
    const file = join(world.dir, 'patchferry.yml');
    // The configured source is an mbox that does not exist: only the imported file is read.
    writeFileSync(file, demoConfig('http://127.0.0.1:1/').replace('path: list.mbox', 'path: elsewhere.mbox'));
    // Never interrupted: an import told to stop at once would read nothing.
    const t = io({}, 'never');
    expect(await main(['import', '--config', file, world.mbox], t.value)).toBe(1); // the demo's conflicting patch
    expect(t.out[0]).toMatch(/^sync: 8 new mail\(s\); 2 series applied, 1 failed/);
    const again = io({}, 'never');
    expect(await main(['import', '--config', file, world.mbox], again.value)).toBe(0);
    expect(again.out[0]).toMatch(/^sync: 0 new mail\(s\); 0 series applied/);
    const none = io();
    expect(await main(['import', '--config', file], none.value)).toBe(2);
    expect(none.err.join('\n')).toContain('import: give at least one');
  });

  it('asks again for units given up on, all or by the start of their keys, beside a running patchferry', async () => {
    const world = await createDemoWorld(join(tempDir(), 'world'));
    const file = join(world.dir, 'patchferry.yml');
    writeFileSync(file, demoConfig('http://127.0.0.1:1/'));
    const never = io();
    expect(await main(['retry', '--config', file], never.value)).toBe(2);
    expect(never.err.join('\n')).toContain(
      `no state database at ${join(world.dir, 'state', 'patchferry.db')}`,
    );
    const { openStore } = await import('../../src/store/store.ts');
    // A unit given up on, while another patchferry holds the database (retry takes no lock).
    const store = openStore(join(world.dir, 'state', 'patchferry.db'));
    const none = io();
    expect(await main(['retry', '--config', file], none.value)).toBe(0);
    expect(none.out).toEqual(['retry: no unit was given up on (notices of units given up on: retry dead:)']);
    store.work.enqueue({ kind: 'publish', key: 'publish:7', payload: { buildId: 7 } });
    store.work.claim(['publish'], Date.now(), { holder: 'x', leaseUntil: Date.now() + 60_000 });
    store.work.bury(store.work.get('publish:7')?.id ?? 0, 'x', { code: 'unexpected', message: 'ENOTDIR' });
    try {
      const wrong = io();
      expect(await main(['retry', '--config', file, 'mail:'], wrong.value)).toBe(1);
      const t = io();
      expect(await main(['retry', '--config', file, 'publish:'], t.value)).toBe(0);
      expect(t.out).toEqual([
        'retry: 1 unit(s) will run again at the next run of their stage (watch: within a minute)',
        '  publish:7',
      ]);
      expect(store.work.get('publish:7')).toMatchObject({ state: 'pending', attempts: 0 });
    } finally {
      store.close();
    }
  });

  it('exits 2 naming a state database that is not SQLite, without a stack trace', async () => {
    const world = makeMboxWorld(tempDir());
    mkdirSync(dirname(world.database));
    writeFileSync(world.database, 'not a database, but long enough for SQLite to read its header\n');
    const t = io();
    expect(await main(['sync', '--config', world.configFile], t.value)).toBe(2);
    const text = t.err.join('\n');
    expect(text).toMatch(
      `patchferry: the state database ${world.database} is not a database patchferry can read`,
    );
    expect(text).toContain('move it aside');
    expect(text).not.toMatch(/\n\s+at /);
  });
});
