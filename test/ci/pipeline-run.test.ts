import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { git } from '../helpers/git.ts';
import { noarchRepo, rpmToolsAvailable } from '../helpers/rpm.ts';
import { tempDir } from '../helpers/tmp.ts';
import { notTherePatch } from '../helpers/mail.ts';
import { gitlabCiLocal, root, serveTemplate } from './gitlab-ci-local.ts';

const available = rpmToolsAvailable('the RPM pipeline run by gitlab-ci-local');

// The managed repository includes the template the way a GitLab instance serves it: over HTTP.
const templateUrl = serveTemplate();

/** A repository patchferry manages, as a GitLab project holds it: the package, its
 * .gitlab-ci.yml including the template, and patchferry.yml. The jobs run this checkout's
 * bin/patchferry.mjs with the Node running the tests. */
function managedRepository(
  platforms: readonly string[] = ['el9', 'fc41'],
  list = '',
): {
  repo: string;
  published: string;
  outbox: string;
} {
  const dir = tempDir('patchferry-pipeline-');
  const published = join(dir, 'repos');
  const { path: repo } = noarchRepo(join(dir, 'greeter'));
  writeFileSync(join(dir, 'list.mbox'), list);
  writeFileSync(
    join(repo, 'patchferry.yml'),
    [
      `state: { database: ${join(dir, 'unused.db')} }`,
      `workDir: ${join(dir, 'work')}`,
      `sources: [{ type: mbox, path: ${join(dir, 'list.mbox')} }]`,
      'projects:',
      `  greeter: { git: ${repo}, branches: [master], platforms: [${platforms.join(', ')}], forgePath: virt/greeter }`,
      'platforms:',
      '  el9: { dist: .el9, arch: x86_64 }',
      '  fc41: { dist: .fc41, arch: x86_64 }',
      `publisher: { root: ${published}, baseUrl: 'http://127.0.0.1:1/' }`,
      `reporter: { from: patchferry <pf@example.org>, listAddress: list@example.org, outbox: ${join(dir, 'outbox.mbox')} }`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(repo, '.gitlab-ci.yml'),
    [
      'include:',
      `  - remote: ${templateUrl()}`,
      '    inputs:',
      `      platforms: [${platforms.join(', ')}]`,
      `      patchferry: ${JSON.stringify(`${process.execPath} ${join(root, 'bin', 'patchferry.mjs')}`)}`,
      '',
    ].join('\n'),
  );
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-q', '-m', 'ci']);
  return { repo, published, outbox: join(dir, 'outbox.mbox') };
}

/** A patch for greeter to a file it does not have, as an mbox. */
const UNAPPLICABLE = `From nobody Mon Sep 17 00:00:00 2001\n${notTherePatch('greeter')}`;

function rpmsUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.rpm'))
    .map((f) => f.split('/').pop() as string)
    .sort();
}

async function pipeline(repo: string, variables: Record<string, string>): Promise<string> {
  // With an `image`, gitlab-ci-local's CI_PROJECT_DIR is /builds/<group>/<project> even on the shell
  // executor: one folder for every run on the machine. Each pipeline gets artifacts of its own.
  const artifacts = tempDir('patchferry-artifacts-');
  const { stdout } = await gitlabCiLocal(
    repo,
    ['--force-shell-executor', '--no-color'],
    { CI_PROJECT_PATH: 'virt/greeter', PATCHFERRY_ARTIFACTS: artifacts, ...variables },
    { GCL_IGNORE_PREDEFINED_VARS: 'CI_PIPELINE_SOURCE,CI_PROJECT_PATH,CI_COMMIT_BRANCH' },
  );
  return stdout;
}

describe.runIf(available)('the RPM pipeline, run for real by gitlab-ci-local', () => {
  it('a push to a tracked branch builds every target with patchferry ci, publishes them and mails the list', async () => {
    const { repo, published, outbox } = managedRepository();
    const out = await pipeline(repo, { CI_PIPELINE_SOURCE: 'push', CI_COMMIT_BRANCH: 'master' });
    expect(out).toMatch(/PASS\s+patchferry-build: \[el9\]/);
    expect(out).toMatch(/PASS\s+patchferry-build: \[fc41\]/);
    expect(out).toMatch(/PASS\s+patchferry-publish/);
    const rpms = rpmsUnder(published).filter((r) => !r.endsWith('.src.rpm'));
    expect(rpms.some((r) => /^greeter-0\.1-.*\.el9\.noarch\.rpm$/.test(r))).toBe(true);
    expect(rpms.some((r) => /^greeter-0\.1-.*\.fc41\.noarch\.rpm$/.test(r))).toBe(true);
    expect(out).toMatch(/PASS\s+patchferry-report/);
    const report = await simpleParser(readFileSync(outbox, 'utf8').replace(/^From .*\n/, ''));
    expect(report.subject).toMatch(/^\[patchferry\] greeter\/master at [0-9a-f]{12}: built$/);
    expect(report.text).toContain('Build for el9 (x86_64) succeeded');
    expect(report.text).toContain('Build for fc41 (x86_64) succeeded');
    expect(report.text).toContain('for a push (a merge) to the branch');
  }, 240_000);

  it('the nightly schedule builds and publishes to nightly/, then builds nothing until the branch moves', async () => {
    const { repo, published, outbox } = managedRepository(['el9']);
    const nightlyRpms = () => rpmsUnder(join(published, 'nightly')).filter((r) => !r.endsWith('.src.rpm'));
    const summary = async () => {
      const mails = readFileSync(outbox, 'utf8')
        .split(/^From .*\n/m)
        .filter((m) => m.trim() !== '');
      return simpleParser(mails.at(-1) ?? '');
    };

    const first = await pipeline(repo, { CI_PIPELINE_SOURCE: 'schedule' });
    expect(first).toMatch(/PASS\s+patchferry-build: \[el9\]/);
    expect(nightlyRpms()).toEqual([expect.stringMatching(/^greeter-0\.1-.*\.el9\.noarch\.rpm$/)]);
    const tonight = await summary();
    expect(tonight.subject).toMatch(/^\[patchferry\] daily summary \d{4}-\d\d-\d\d$/);
    expect(tonight.text).toContain('Building tonight: greeter/master (el9).');

    const second = await pipeline(repo, { CI_PIPELINE_SOURCE: 'schedule' });
    expect(second).toMatch(
      /not built: greeter\/master el9 at [0-9a-f]{12}: unchanged since the last nightly/,
    );
    expect(second).toMatch(/build: 0 succeeded, 0 failed/);
    expect((await summary()).text).toContain('Nothing to build tonight.');
    expect(nightlyRpms()).toHaveLength(1);

    git(repo, ['commit', '-q', '--allow-empty', '-m', 'greeter: a change']);
    const third = await pipeline(repo, { CI_PIPELINE_SOURCE: 'schedule' });
    expect(third).not.toMatch(/unchanged since the last nightly/);
    expect(nightlyRpms()).toHaveLength(2);
    expect((await summary()).text).toContain('Building tonight: greeter/master (el9).');
  }, 240_000);

  it('the Run pipeline button with PLATFORMS builds and publishes only that target; pressed again, the rebuild keeps the first log', async () => {
    // A series on the list that does not apply: the sync job warns, and the build goes on.
    const { repo, published } = managedRepository(['el9', 'fc41'], UNAPPLICABLE);
    const out = await pipeline(repo, { CI_PIPELINE_SOURCE: 'web', PLATFORMS: 'fc41' });
    expect(out).toMatch(/FAILED\s+greeter\/master patch 1/);
    expect(out).toMatch(/WARN\s+patchferry-sync/);
    expect(out).toMatch(/PASS\s+patchferry-build/);
    expect(out).not.toMatch(/patchferry-build: \[el9\]/);
    const rpms = rpmsUnder(published).filter((r) => !r.endsWith('.src.rpm'));
    expect(rpms.length).toBeGreaterThan(0);
    expect(rpms.every((r) => r.includes('.fc41.'))).toBe(true);
    // Each job's database numbers its builds from 1: the pipeline's id keeps the logs apart.
    const logs = join(published, 'logs', 'greeter', 'master', 'fc41');
    const builds = () => readdirSync(logs).filter((n) => n !== 'index.html');
    const [first] = builds();
    expect(first).toMatch(/^\d+\.1-greeter-0\.1-/);
    await pipeline(repo, { CI_PIPELINE_SOURCE: 'web', PLATFORMS: 'fc41' });
    const both = builds().sort();
    expect(both).toHaveLength(2);
    expect(both).toContain(first);
  }, 240_000);
});
