import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { runStages, withContext } from '../../../src/runtime/index.ts';
import { silentLogger } from '../../../src/shared/log.ts';
import { commitFiles, formatPatches, git } from '../../helpers/git.ts';
import { rpmToolsAvailable } from '../../helpers/rpm.ts';
import { demoWorldOnGitLab } from '../../helpers/forge-world.ts';
import { FakeGitLab } from '../../servers/gitlab.ts';

const available = rpmToolsAvailable('the CI jobs reporting on a merge request');

/** `patchferry ci <stage>` run as a pipeline job runs it: the forge's variables, no database. */
async function job(stage: string, config: string, env: Record<string, string>): Promise<string[]> {
  const out: string[] = [];
  const io = {
    out: (l: string) => out.push(l),
    err: (l: string) => out.push(l),
    env,
    interrupted: () => new Promise<void>(() => {}),
  };
  const status = await main(['ci', stage, '--config', config], io);
  if (status !== 0) throw new Error(`ci ${stage} exited ${status}:\n${out.join('\n')}`);
  return out;
}

async function outbox(file: string): Promise<ParsedMail[]> {
  const text = readFileSync(file, 'utf8');
  return Promise.all(
    text
      .split(/^From .*\n/m)
      .filter((m) => m.trim() !== '')
      .map((m) => simpleParser(m)),
  );
}

describe.runIf(available)('the CI report job on a merge request (state recovered from the forge)', () => {
  const server = new FakeGitLab('glpat-test');
  afterAll(() => server.close());

  it('after a push that merged a series, edits its status note, sets the statuses, and replies to its cover letter on the list', async () => {
    const { world, file, work } = await demoWorldOnGitLab(server);
    commitFiles(work, 'hello: greet the world', { NEWS: 'greets the world\n' });
    commitFiles(work, 'hello: say goodbye', { BYE: 'bye\n' });
    const [cover, ...patches] = formatPatches(work, 2, [
      '--cover-letter',
      '--subject-prefix=master PATCH hello',
    ]);
    writeFileSync(world.mbox, Buffer.concat([cover as Buffer, ...(patches as Buffer[])]));
    const coverId = /^Message-ID: <([^>]+)>/im.exec(String(cover))?.[1];
    const env = { GL_TOKEN: 'glpat-test' };

    // The daemon (or a sync job) proposed the series; its status note is on the MR.
    await withContext(loadConfig(file), silentLogger(), (ctx) => runStages(ctx), env);
    expect(server.notes('virt/hello', 1).filter((n) => n.body.includes('patchferry-status'))).toHaveLength(1);
    writeFileSync(join(world.dir, 'outbox.mbox'), '');

    // A reviewer merges: GitLab runs the push pipeline on master, each job with an empty database.
    server.merge('virt/hello', 1);
    const merged = git(world.upstream, ['rev-parse', 'master']).trim();
    const pipeline = {
      ...env,
      CI_PIPELINE_SOURCE: 'push',
      CI_PROJECT_PATH: 'virt/hello',
      CI_COMMIT_BRANCH: 'master',
      CI_COMMIT_SHA: merged,
      PATCHFERRY_ARTIFACTS: join(world.dir, 'artifacts'),
    };
    await job('build', file, pipeline);
    await job('publish', file, pipeline);
    const report = await job('report', file, pipeline);
    expect(report.join('\n')).toContain('status note on');

    const status = server.notes('virt/hello', 1).filter((n) => n.body.includes('patchferry-status'));
    expect(status).toHaveLength(1); // the daemon's note, edited: not a second one
    const note = status[0]?.body ?? '';
    expect(note).toContain('received: 2 patches');
    expect(note).toContain(`merged into \`master\` as ${merged.slice(0, 12)}`);
    expect(note).toContain('- [x] published');
    expect(note).toMatch(
      /\| el9 \(x86_64\) \| \d+ RPMs \| http:\/\/127\.0\.0\.1:1\/repos\/hello\/master\/el9/,
    );
    expect(server.statuses('virt/hello').map((s) => [s.sha, s.name, s.status])).toEqual([
      [merged, 'patchferry/rpm/el9', 'success'],
      [merged, 'patchferry/rpm/fc41', 'success'],
    ]);
    const [mail, ...more] = await outbox(join(world.dir, 'outbox.mbox'));
    expect(more).toEqual([]);
    expect(mail?.subject).toMatch(/^Re: \[master PATCH hello 0\/2\] .* \(patchferry: applied and built\)$/);
    expect(mail?.inReplyTo).toBe(`<${coverId}>`);
    expect(mail?.references).toContain(`<${coverId}>`);
    expect(mail?.text).toContain('[2/2] hello: say goodbye');
    expect(mail?.text).toContain('Build for fc41 (x86_64) succeeded');

    // The job retried: the same mail (same Message-ID), the same note, no status twice.
    await job('report', file, pipeline);
    const again = await outbox(join(world.dir, 'outbox.mbox'));
    expect(again.map((m) => m.messageId)).toEqual([mail?.messageId, mail?.messageId]);
    expect(server.notes('virt/hello', 1).filter((n) => n.body.includes('patchferry-status'))).toHaveLength(1);
  }, 120_000);
});
