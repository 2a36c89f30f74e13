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

/** A qemu-devel-style list: patches tagged `[PATCH …]` only, the list named by List-Id. */
function listWorld() {
  const dir = tempDir();
  const work = makeRepo(join(dir, 'work'), { README: 'hello\n' });
  const upstream = join(dir, 'hello.git');
  git(dir, ['clone', '-q', '--bare', work, upstream]);
  git(upstream, ['branch', 'stable-1.0', 'master']);
  commitFiles(work, 'README: say more', { README: 'hello, world\n' });
  const [patch] = formatPatches(work, 1, ['--subject-prefix=PATCH stable-1.0 v2']);
  const mbox = join(dir, 'list.mbox');
  const listed = patch!
    .toString('utf8')
    .replace(/^(Subject:)/m, 'List-Id: Hello development <hello-devel.example.org>\n$1');
  writeFileSync(mbox, `${listed}\n`);
  const config = writeHelloConfig(dir, {
    git: upstream,
    branches: ['master', 'stable-1.0'],
    project: 'lists: [hello-devel.example.org]',
  });
  return { mbox, config, upstream };
}

describe('routing by list', () => {
  it('routes a series whose tag names no repository by the list it came by, to the branch a prefix names', async () => {
    const world = listWorld();
    const table = {
      projects: { hello: { branches: ['master', 'stable-1.0'], lists: ['hello-devel.example.org'] } },
    };
    const doc = await scan([world.mbox], table, mboxSource);
    expect(doc.mails[0]).toMatchObject({
      repo: 'hello',
      branch: 'stable-1.0',
      routedBy: 'list',
      routeError: null,
    });
    expect(doc.series[0]).toMatchObject({ repo: 'hello', branch: 'stable-1.0', routedBy: 'list' });

    const ctx = await createContext(loadConfig(world.config), silentLogger());
    try {
      const summary = await sync(ctx);
      expect(summary.rejected).toEqual([]);
      expect(summary.applied).toMatchObject([{ project: 'hello', branch: 'stable-1.0' }]);
      expect(git(world.upstream, ['log', '-1', '--format=%s', 'stable-1.0']).trim()).toBe('README: say more');
    } finally {
      ctx.store.close();
    }
  });
});
