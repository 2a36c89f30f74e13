import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recoverMergedSeries } from '../../../src/app/ci/merged-series.ts';
import { sync } from '../../../src/app/stages.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { withContext } from '../../../src/runtime/index.ts';
import { silentLogger } from '../../../src/shared/log.ts';
import { commitFiles, formatPatches, git } from '../../helpers/git.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { demoWorldOnGitLab } from '../../helpers/forge-world.ts';
import { FakeGitLab } from '../../servers/gitlab.ts';

describe('the series a merge brought, recovered from the forge by a CI job', () => {
  const server = new FakeGitLab('glpat-test');
  afterAll(() => server.close());

  it('reads an MR opened before its footer had a report part from its description and git', async () => {
    const { world, file, work } = await demoWorldOnGitLab(server);
    commitFiles(work, 'hello: greet the world', { NEWS: 'greets the world\n' });
    commitFiles(work, 'hello: say <goodbye>', { BYE: 'bye\n' });
    const mails = formatPatches(work, 2, ['--cover-letter', '--subject-prefix=master PATCH hello']);
    writeFileSync(world.mbox, Buffer.concat(mails));
    const env = { GL_TOKEN: 'glpat-test' };
    await withContext(loadConfig(file), silentLogger(), (ctx) => sync(ctx), env);

    // As an older patchferry wrote it: the footer without its report part.
    const [mr] = server.mergeRequests('virt/hello');
    if (!mr) throw new Error('no merge request opened');
    mr.description = mr.description.replace(/<!-- patchferry-series: (\{.*\}) -->/, (_, json: string) => {
      const { report: _report, ...old } = JSON.parse(json) as Record<string, unknown>;
      return `<!-- patchferry-series: ${JSON.stringify(old)} -->`;
    });
    const base = git(world.upstream, ['rev-parse', 'master']).trim();
    server.merge('virt/hello', 1);
    const merged = git(world.upstream, ['rev-parse', 'master']).trim();

    // The report job's database is empty.
    const cfg = loadConfig(file);
    const fresh = { ...cfg, state: { ...cfg.state, database: join(tempDir(), 'job.db') } };
    const found = await withContext(
      fresh,
      silentLogger(),
      (ctx) => recoverMergedSeries(ctx, { project: 'hello', branch: 'master', commit: merged }),
      env,
    );
    expect(found.skipped).toEqual([]);
    expect(found.series).toHaveLength(1);
    const [s] = found.series;
    expect(s?.facts).toMatchObject({
      title: mr.title,
      subject: mr.title,
      sender: { name: 'Tess Tester', address: 'tess@example.org' },
      patches: [
        { part: 1, subject: 'hello: greet the world' },
        { part: 2, subject: 'hello: say <goodbye>' },
      ],
    });
    expect(s?.applied).toEqual({ state: 'applied', base, head: merged });
  });
});
