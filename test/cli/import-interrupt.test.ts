import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { demoConfig } from '../../src/demo/demo.ts';
import { createDemoWorld } from '../../src/demo/world.ts';
import { rawMail } from '../helpers/mail.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const MAILS = 3000;

/** How many mails the database holds, and the position recorded for `source`; zeros before the
 * database exists. */
function recorded(db: string, source: string): { mails: number; position: number } {
  try {
    const store = new DatabaseSync(db, { readOnly: true });
    try {
      const mails = store.prepare('SELECT count(*) AS n FROM mails').get() as { n: number };
      const position = store.prepare('SELECT position FROM source_positions WHERE source = ?').get(source) as
        { position: string } | undefined;
      return { mails: mails.n, position: Number(position?.position ?? 0) };
    } finally {
      store.close();
    }
  } catch {
    return { mails: 0, position: 0 };
  }
}

function patchferry(args: readonly string[]) {
  const child = spawn(process.execPath, ['bin/patchferry.mjs', ...args], {
    cwd: ROOT,
    env: { ...process.env, PATCHFERRY_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe('patchferry import and sync, interrupted', () => {
  it('stop reading on Ctrl-C once the batch is recorded, say what they kept and how to go on, exit 1; the next run reads on', async () => {
    const world = await createDemoWorld(join(tempDir(), 'world'));
    const configFile = join(world.dir, 'patchferry.yml');
    writeFileSync(
      configFile,
      demoConfig('http://127.0.0.1:1/').replace('path: list.mbox', 'path: archive.mbox'),
    );
    const mbox = join(world.dir, 'archive.mbox');
    writeFileSync(
      mbox,
      Buffer.concat(
        Array.from({ length: MAILS }, (_, i) =>
          Buffer.concat([
            Buffer.from('From someone@example.org Thu Jan  1 10:00:00 2026\n'),
            rawMail(
              { From: 'a@example.org', Subject: `note ${i}`, 'Message-ID': `<note${i}@example.org>` },
              'hi\n\n',
            ),
          ]),
        ),
      ),
    );
    const db = join(world.dir, 'state', 'patchferry.db');
    const source = `mbox:${mbox}`;

    const first = patchferry(['import', '--config', configFile, mbox]);
    // Once the first batch is committed, the reading is under way.
    await until(() => recorded(db, source).mails > 0, 30_000);
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(1);
    const kept = recorded(db, source);
    expect(kept.mails).toBeLessThan(MAILS);
    // Every mail recorded is behind the recorded position: the next read starts after them.
    expect(kept.position).toBe(kept.mails);
    expect(first.err()).toContain(
      `patchferry: import interrupted while reading: ${kept.mails} new mail(s) recorded, not sorted yet; "patchferry sync" sorts them, and the same import again reads on from where this one stopped`,
    );

    // sync reads the same mailbox (the configured source) on from there, and stops alike.
    const sync = patchferry(['sync', '--config', configFile]);
    await until(() => recorded(db, source).mails > kept.mails, 30_000);
    sync.child.kill('SIGINT');
    expect(await sync.exited).toBe(1);
    const synced = recorded(db, source);
    expect(synced.position).toBe(synced.mails);
    expect(sync.err()).toContain(
      `patchferry: sync interrupted while reading: ${synced.mails - kept.mails} new mail(s) recorded, not sorted yet; the next sync sorts them and reads on from where this one stopped`,
    );

    const second = patchferry(['import', '--config', configFile, mbox]);
    expect(await second.exited).toBe(0);
    expect(second.out()).toMatch(new RegExp(`^sync: ${MAILS - synced.mails} new mail\\(s\\);`));
    expect(recorded(db, source)).toEqual({ mails: MAILS, position: MAILS });
  }, 60_000);
});
