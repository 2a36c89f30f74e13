import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeHelloConfig } from '../../helpers/hello-config.ts';
import type { ScanDocument } from '../../../src/app/intake/scan.ts';
import { sync } from '../../../src/app/stages.ts';
import { main } from '../../../src/cli/main.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { createContext } from '../../../src/runtime/context.ts';
import { silentLogger } from '../../../src/shared/log.ts';
import { commitFiles, formatPatches, git, makeRepo } from '../../helpers/git.ts';
import { capturedIo } from '../../helpers/io.ts';
import { rawMail } from '../../helpers/mail.ts';
import { tempDir } from '../../helpers/tmp.ts';

/** A list no project claims, carrying an untagged patch (as kbuild's often are) and a mail larger
 * than limits.mailBytes. */
function world() {
  const dir = tempDir();
  const work = makeRepo(join(dir, 'work'), { README: 'hello\n' });
  const upstream = join(dir, 'hello.git');
  git(dir, ['clone', '-q', '--bare', work, upstream]);
  commitFiles(work, 'README: say more', { README: 'hello, world\n' });
  const [patch] = formatPatches(work, 1);
  const untagged = patch!.toString('utf8').replace(/^Subject: \[PATCH\] /m, 'Subject: ');
  const big = rawMail(
    { From: 'b@example.org', Subject: '[PATCH hello] big', 'Message-ID': '<big@example.org>' },
    `${'x'.repeat(76)}\n`.repeat(40),
  );
  const mbox = join(dir, 'list.mbox');
  writeFileSync(mbox, `${untagged}\nFrom b@example.org Thu Jan  1 10:00:00 2026\n${big.toString('utf8')}\n`);
  const config = writeHelloConfig(dir, { git: upstream, more: 'limits: { mailBytes: 2048 }\n' });
  return { mbox, config };
}

describe('scan --config', () => {
  it('shows the route refusal and the size quarantine that sync then gives', async () => {
    const { mbox, config } = world();
    const { io, out } = capturedIo();
    expect(await main(['scan', '--json', '--config', config, mbox], io)).toBe(0);
    const doc = JSON.parse(out.join('\n')) as ScanDocument;
    const [untagged, big] = doc.mails;
    expect(untagged).toMatchObject({ kind: 'patch', subject: 'README: say more', repo: null });
    expect(untagged?.routeError).toMatch(/^the subject has no \[PATCH …\] tag;/);
    expect(doc.series).toMatchObject([{ repo: null, routeError: untagged?.routeError }]);
    expect(big).toMatchObject({ messageId: 'big@example.org', kind: null });
    expect(big?.error).toMatch(
      /^the mail is \d+ bytes, more than limits\.mailBytes \(2048\); it was not read$/,
    );

    const text = capturedIo();
    await main(['scan', '--config', config, mbox], text.io);
    expect(text.out.join('\n')).toContain(`NOT ROUTED: ${untagged?.routeError}`);

    const ctx = await createContext(loadConfig(config), silentLogger());
    try {
      const summary = await sync(ctx);
      expect(summary.rejected.map((r) => r.reason)).toEqual([untagged?.routeError]);
      expect(summary.quarantined).toEqual([{ messageId: 'big@example.org', reason: big?.error }]);
    } finally {
      ctx.store.close();
    }
  });
});
