import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const LAUNCHER = join(ROOT, 'bin', 'patchferry.mjs');

/** The machine's own Node when it is older than 24 (Debian ships 20), else null. */
function olderNode(): string | null {
  for (const path of ['/usr/bin/node', '/usr/local/bin/node', '/usr/bin/nodejs']) {
    if (!existsSync(path)) continue;
    const v = spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout.trim();
    const major = Number(/^v(\d+)/.exec(v)?.[1]);
    if (major > 0 && major < 24) return path;
  }
  return null;
}
const older = olderNode();
if (!older) console.warn('launcher test on an older Node skipped: this machine has no Node older than 24');

describe('the patchferry command', () => {
  it.skipIf(!older)('on an older Node says which it needs and how to run it, and exits 2', () => {
    const r = spawnSync(older!, [LAUNCHER, '--version'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('patchferry needs Node.js 24 or newer');
    // The command it gives runs from anywhere.
    const command = r.stderr.split('\n').find((l) => l.includes('<command>') && l.startsWith('  '));
    expect(command).toBeDefined();
    const [node, ...words] = command!.trim().split(' ');
    // With the memory flags of the launcher's first line.
    expect(words).toContain('--max-semi-space-size=4');
    const again = spawnSync(node!, [...words.slice(0, -1), '--version'], { encoding: 'utf8', cwd: '/' });
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/^patchferry \d/);
  });

  it('keeps the compile cache in node_modules/.cache/patchferry, and runs the same from it', () => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.NODE_COMPILE_CACHE;
    delete env.NODE_DISABLE_COMPILE_CACHE;
    const run = () => spawnSync(process.execPath, [LAUNCHER, 'scan', '--help'], { encoding: 'utf8', env });
    const first = run();
    expect(first.status).toBe(0);
    const cache = join(ROOT, 'node_modules', '.cache', 'patchferry');
    // One directory per Node version and flags, holding an entry per module compiled.
    const versions = readdirSync(cache).filter((d) => d.startsWith(process.version));
    expect(versions.length).toBeGreaterThan(0);
    expect(versions.some((d) => readdirSync(join(cache, d)).length > 0)).toBe(true);
    const second = run();
    expect(second.status).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stdout).toContain('scan');
  });
});
