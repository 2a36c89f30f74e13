import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoConfig } from '../../../src/demo/demo.ts';
import { createDemoWorld } from '../../../src/demo/world.ts';
import { tempDir } from '../../helpers/tmp.ts';

const MB = 2 ** 20;
/** Prints the process's peak RSS (bytes) as it exits. */
const PEAK = `data:text/javascript,process.on('exit',()=>process.stderr.write('PEAK '+process.resourceUsage().maxRSS*1024+'\\n'))`;

/** An mbox of `count` patch mails, each with a base64 attachment of about `size` bytes. */
function mailsWithAttachments(count: number, size: number): Buffer {
  const lines = Math.round(size / 77);
  return Buffer.concat(
    Array.from({ length: count }, (_, i) => [
      Buffer.from(
        `From ann@example.org Mon Sep 21 14:30:00 2026\nFrom: Ann <ann@example.org>\nSubject: [PATCH qemu] a: change ${i}\n` +
          `Date: Mon, 21 Sep 2026 14:30:00 +0000\nMessage-ID: <big${i}@example.org>\nMIME-Version: 1.0\n` +
          'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nfix\n---\n' +
          'diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-a\n+b\n--b\nContent-Type: image/png\n' +
          'Content-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=i.png\n\n',
      ),
      Buffer.alloc(77 * lines, `${'QUFB'.repeat(19)}\n`),
      Buffer.from('--b--\n\n'),
    ]).flat(),
  );
}

/** Peak RSS (bytes) of `patchferry sync` over `mbox`, in a world of its own. */
async function syncPeak(mbox: Buffer): Promise<number> {
  const world = await createDemoWorld(join(tempDir(), 'world'));
  writeFileSync(world.mbox, mbox);
  const file = join(world.dir, 'patchferry.yml');
  writeFileSync(file, demoConfig('http://127.0.0.1:1/'));
  const run = spawnSync(
    process.execPath,
    ['--import', PEAK, 'bin/patchferry.mjs', 'sync', '--config', file, '--log-level', 'fatal'],
    { encoding: 'utf8' },
  );
  const peak = /PEAK (\d+)/.exec(run.stderr)?.[1];
  if (peak === undefined) throw new Error(`sync said: ${run.stderr}`);
  return Number(peak);
}

describe('sync of mails with large attachments', () => {
  // Intake read the open mails a hundred at a time: twenty with a 3 MB image each were held at
  // once (74 MB over one mail's run; read a page of about 4 MB at a time, ~35 MB).
  it('holds a few of them at a time, not all twenty', async () => {
    const one = await syncPeak(mailsWithAttachments(1, 3 * MB));
    const twenty = await syncPeak(mailsWithAttachments(20, 3 * MB));
    expect(twenty - one).toBeLessThan(18 * 3 * MB);
  }, 60_000);
});
