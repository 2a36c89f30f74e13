import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.ts';

const ROOT = join(import.meta.dirname, '..', '..');
// The flags of the launcher's first line: the cache keeps one directory per Node version and flags.
const FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=20'];

/** Every entry of a compile cache directory, as "<version-and-flags>/<entry>". */
function entries(cache: string): string[] {
  return readdirSync(cache).flatMap((dir) => readdirSync(join(cache, dir)).map((e) => `${dir}/${e}`));
}

describe("the install's warm-up (postinstall)", () => {
  it('compiles every module, so that the first commands after an install compile nothing', () => {
    const cache = tempDir();
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_COMPILE_CACHE: cache };
    delete env.NODE_DISABLE_COMPILE_CACHE;
    const node = (args: string[]) =>
      spawnSync(process.execPath, [...FLAGS, ...args], { cwd: ROOT, env, encoding: 'utf8' });
    const warm = node([join(ROOT, 'bin', 'warm-cache.mjs')]);
    expect(warm.stderr).toBe('');
    expect(warm.status).toBe(0);
    const filled = entries(cache);
    expect(filled.length).toBeGreaterThan(200);

    // A multipart mail, so that the MIME reader is loaded too.
    const mbox = join(tempDir(), 'one.mbox');
    writeFileSync(
      mbox,
      'From a@b Thu Jan  1 00:00:00 2026\nFrom: Ann <ann@example.org>\nSubject: [PATCH] x\n' +
        'Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhello\n--b--\n',
    );
    const scan = node([join(ROOT, 'bin', 'patchferry.mjs'), 'scan', '--json', mbox]);
    expect(scan.status).toBe(0);
    expect(entries(cache)).toEqual(filled);
  });
});
