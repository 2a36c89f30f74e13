import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.ts';
import { runStages, withContext } from '../../../src/runtime/index.ts';
import { silentLogger } from '../../../src/shared/log.ts';
import { commitFiles, formatPatches, git } from '../../helpers/git.ts';
import { demoWorldOnGitLab } from '../../helpers/forge-world.ts';
import { FakeGitLab } from '../../servers/gitlab.ts';

describe('reporting builds on the merge request', () => {
  let server: FakeGitLab | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it('says in its status note where the RPMs are and sets a status per platform on the built commit, once', async () => {
    server = new FakeGitLab('glpat-test');
    const { world, file, work } = await demoWorldOnGitLab(server);
    commitFiles(work, 'hello: greet the world', { NEWS: 'greets the world\n' });
    writeFileSync(world.mbox, formatPatches(work, 1, ['--subject-prefix=master PATCH hello'])[0] as Buffer);
    const env = { GL_TOKEN: 'glpat-test' };
    const run = () => withContext(loadConfig(file), silentLogger(), (ctx) => runStages(ctx), env);

    const first = await run();
    expect(first.sync.proposed).toMatchObject([{ action: 'opened' }]);
    expect(first.build.builds).toEqual([]); // nothing is built before a reviewer merges

    server.merge('virt/hello', 1);
    const second = await run();
    const merged = git(world.upstream, ['rev-parse', 'master']).trim();
    expect(second.build.builds.map((b) => [b.platform, b.commit, b.ok])).toEqual([
      ['el9', merged, true],
      ['fc41', merged, true],
    ]);
    // One status note for the series version, edited as it moved: now with the build table.
    const status = server.notes('virt/hello', 1).filter((n) => n.body.includes('patchferry-status'));
    expect(status).toHaveLength(1);
    const built = status[0]?.body;
    expect(built).toContain('- [x] published');
    expect(built).toContain('**Built**');
    expect(built).toContain(`\`master\` at ${merged.slice(0, 12)}`);
    expect(built).toMatch(
      /\| el9 \(x86_64\) \| \d+ RPMs \| http:\/\/127\.0\.0\.1:1\/repos\/hello\/master\/el9/,
    );
    expect(built).toContain('dnf config-manager addrepo --from-repofile=');
    expect(server.statuses('virt/hello').map((s) => [s.sha, s.name, s.status])).toEqual([
      [merged, 'patchferry/rpm/el9', 'success'],
      [merged, 'patchferry/rpm/fc41', 'success'],
    ]);
    // The list got its report too.
    expect(second.report.sent.some((r) => r.subject.endsWith('(patchferry: applied and built)'))).toBe(true);

    const third = await run();
    expect(third.report.sent).toEqual([]);
    expect(server.notes('virt/hello', 1).filter((n) => n.body.includes('**Built**'))).toHaveLength(1);
    expect(server.statuses('virt/hello')).toHaveLength(2);
  });
});
