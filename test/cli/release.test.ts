import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoConfig } from '../../src/demo/demo.ts';
import { createDemoWorld } from '../../src/demo/world.ts';
import { commitFiles, formatPatches, git } from '../helpers/git.ts';
import { tempDir } from '../helpers/tmp.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** patchferry run as a process, as a maintainer runs it. */
function patchferry(args: readonly string[]): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['bin/patchferry.mjs', ...args], {
    cwd: ROOT,
    env: { ...process.env, PATCHFERRY_LOG_LEVEL: 'info' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

describe('patchferry release', () => {
  it('lets a held series through once: scan and sync show it held with the reason, release records who and when, the next sync applies it', async () => {
    const world = await createDemoWorld(join(tempDir(), 'world'));
    const work = join(world.dir, 'src', 'hello');
    git(work, ['checkout', '-q', '-b', 'outside', 'stable-1.0']);
    commitFiles(
      work,
      'hello: a fix from outside the project',
      { NOTES: 'from outside\n' },
      { name: 'Mallory', email: 'mallory@example.net' },
    );
    const [mail] = formatPatches(work, 1, ['--subject-prefix=stable-1.0 PATCH hello']);
    writeFileSync(world.mbox, mail as Buffer);
    const messageId = /^Message-ID: <([^>]+)>/im.exec(mail?.toString() ?? '')?.[1] ?? '';
    const file = join(world.dir, 'patchferry.yml');
    writeFileSync(file, demoConfig('http://127.0.0.1:1/'));
    const reason = 'mallory@example.net is not among the senders allowed for hello (trust.senders)';

    const scanned = patchferry(['scan', '--config', file, world.mbox]);
    expect(scanned.status).toBe(0);
    expect(scanned.out).toContain(`<${messageId}> HELD: ${reason}`);

    const held = patchferry(['sync', '--config', file]);
    expect(held.out).toContain(`HELD      hello from mallory@example.net: ${reason}  <${messageId}>`);

    const released = patchferry(['release', '--config', file, '--by', 'mia', `<${messageId}>`]);
    expect(released.status).toBe(0);
    expect(released.out).toMatch(
      new RegExp(
        `^release: <${messageId.replace(/[.+]/g, '\\$&')}> released by mia at \\d{4}-\\d\\d-\\d\\dT[^ ]+ \\(held because ${reason.replace(/[.()]/g, '\\$&')}\\); the next sync applies it`,
      ),
    );
    expect(released.err).toContain('"msg":"held series released"');

    const applied = patchferry(['sync', '--config', file]);
    expect(applied.status).toBe(0);
    expect(applied.out).toMatch(/^ {2}applied {3}hello\/stable-1\.0 /m);
    expect(applied.out).not.toContain('HELD');
    expect(applied.err).toContain('"releasedBy":"mia"');

    // Released once: naming it again says when and by whom, and succeeds, as its help says; a
    // mail never read is refused.
    const again = patchferry(['release', '--config', file, messageId]);
    expect(again.out).toContain('was released already, by mia');
    expect(again.status).toBe(0);
    expect(patchferry(['release', '--help']).out).toMatch(/released before changes\s+nothing: .* exits 0/s);
    const unknown = patchferry(['release', '--config', file, 'nobody@example.net']);
    expect(unknown.status).toBe(1);
    expect(unknown.err).toContain('no mail <nobody@example.net> was read');
  });
});
