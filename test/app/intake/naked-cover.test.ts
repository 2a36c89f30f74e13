import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeHelloConfig } from '../../helpers/hello-config.ts';
import { scan } from '../../../src/app/intake/scan.ts';
import { sync } from '../../../src/app/stages.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { mboxSource } from '../../../src/ingest/mbox.ts';
import { createContext } from '../../../src/runtime/context.ts';
import { silentLogger } from '../../../src/shared/log.ts';
import { commitFiles, formatPatches, git, makeRepo } from '../../helpers/git.ts';
import { tempDir } from '../../helpers/tmp.ts';

describe('a naked cover letter (issue 17 item 8)', () => {
  it("routes its series by its parts' tags, and sync applies the parts", async () => {
    const dir = tempDir();
    const work = makeRepo(join(dir, 'work'), { README: 'hello\n', 'hello.c': 'int main;\n' });
    const upstream = join(dir, 'hello.git');
    git(dir, ['clone', '-q', '--bare', work, upstream]);
    commitFiles(work, 'README: say more', { README: 'hello, world\n' });
    commitFiles(work, 'hello: say more', { 'hello.c': 'int main(void);\n' });
    const [cover, ...parts] = formatPatches(work, 2, ['--cover-letter', '--subject-prefix=PATCH hello']);
    // The cover letter as some senders write it: no tag at all, its parts answering it.
    const naked = cover!.toString('utf8').replace(/^Subject: .*$/m, 'Subject: say more, in two places');
    const mbox = join(dir, 'list.mbox');
    writeFileSync(mbox, [naked, ...parts.map(String)].join('\n'));

    const table = { projects: { hello: { branches: ['master'] } } };
    const doc = await scan([mbox], table, mboxSource);
    expect(doc.series).toMatchObject([
      { repo: 'hello', branch: 'master', prefixes: ['PATCH'], complete: true, routeError: null },
    ]);
    expect(doc.series[0]?.cover).toBe(doc.mails[0]?.messageId);

    const config = writeHelloConfig(dir, { git: upstream });
    const ctx = await createContext(loadConfig(config), silentLogger());
    try {
      const summary = await sync(ctx);
      expect(summary.rejected).toEqual([]);
      expect(summary.applied).toMatchObject([{ project: 'hello', branch: 'master' }]);
      expect(git(upstream, ['log', '-2', '--format=%s', 'master']).trim().split('\n')).toEqual([
        'hello: say more',
        'README: say more',
      ]);
    } finally {
      ctx.store.close();
    }
  });
});
