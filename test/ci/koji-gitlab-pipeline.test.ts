import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { runStages, withContext } from '../../src/runtime/index.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { commitFiles, git } from '../helpers/git.ts';
import { buildNoarch, noarchRepo, rpmToolsAvailable } from '../helpers/rpm.ts';
import { tempDir } from '../helpers/tmp.ts';
import { FakeGitLab } from '../servers/gitlab.ts';
import { KojiHub } from '../servers/koji-hub.ts';
import { gitlabCiLocal, root, serveTemplate } from './gitlab-ci-local.ts';

const available = rpmToolsAvailable('the RPM pipeline against the GitLab test server and the Koji test hub');
const templateUrl = serveTemplate();
const gitlab = new FakeGitLab('glpat-ci');
const hub = new KojiHub();
let gitlabUrl = '';
beforeAll(async () => {
  gitlabUrl = await gitlab.listen();
  await hub.listen();
});
afterAll(async () => {
  await gitlab.close();
  await hub.close();
});

const secrets = { GL_TOKEN: 'glpat-ci', PF_KOJI_PASSWORD: 'secret' };

/** A repository patchferry manages on the GitLab test server (virt/greeter, a bare repository the
 * forge merges in), built by the Koji test hub, and a checkout of it where gitlab-ci-local runs. */
function managedOnGitLab(path = 'virt/greeter') {
  const dir = tempDir('patchferry-koji-pipeline-');
  const { path: work } = noarchRepo(join(dir, 'work'));
  const hosted = join(dir, 'hosted.git');
  const config = [
    `state: { database: ${join(dir, 'daemon.db')} }`,
    `workDir: ${join(dir, 'work-dir')}`,
    `sources: [{ type: mbox, path: ${join(dir, 'list.mbox')} }]`,
    'projects:',
    `  greeter: { git: ${hosted}, branches: [master], platforms: [el9], forgePath: ${path} }`,
    'platforms:',
    '  el9: { dist: .el9, arches: [x86_64], kojiTarget: epel9-candidate }',
    `builder: { type: koji, hub: "${hub.hubUrl}", auth: { method: password, user: builder, passwordEnv: PF_KOJI_PASSWORD }, pollSeconds: 0.05 }`,
    `forge: { type: gitlab, url: "${gitlabUrl}", tokenEnv: GL_TOKEN }`,
    `publisher: { root: ${join(dir, 'repos')}, baseUrl: 'http://127.0.0.1:1/' }`,
    `reporter: { from: patchferry <pf@example.org>, listAddress: list@example.org, outbox: ${join(dir, 'outbox.mbox')} }`,
    '',
  ].join('\n');
  writeFileSync(join(work, 'patchferry.yml'), config);
  writeFileSync(
    join(work, '.gitlab-ci.yml'),
    [
      'include:',
      `  - remote: ${templateUrl()}`,
      '    inputs:',
      '      platforms: [el9]',
      `      patchferry: ${JSON.stringify(`${process.execPath} ${join(root, 'bin', 'patchferry.mjs')}`)}`,
      '',
    ].join('\n'),
  );
  git(work, ['add', '-A']);
  git(work, ['commit', '-q', '-m', 'ci']);
  git(dir, ['clone', '-q', '--bare', work, hosted]);
  gitlab.addProject(path, hosted);
  // A contributor's patch, mailed to the list.
  git(work, ['checkout', '-q', '-b', 'topic']);
  commitFiles(work, 'greeter: say it twice', { 'TWICE.txt': 'twice\n' });
  const mail = git(work, ['format-patch', '--stdout', '-1', '--subject-prefix=master PATCH greeter']);
  writeFileSync(join(dir, 'list.mbox'), mail);
  git(work, ['checkout', '-q', 'master']);
  return { dir, work, hosted, configFile: join(work, 'patchferry.yml') };
}

/** The Koji test hub builds greeter as the real noarch RPM, built once here. */
async function kojiBuildsGreeter(dir: string): Promise<void> {
  const rpm = readFileSync(await buildNoarch(join(dir, 'reference')));
  hub.noarchPackages.add('greeter');
  hub.srpmBuilders.add('builder');
  hub.tasks.outcome = (b, arch) => ({ ok: true, rpms: [{ name: `${b.nvr}.${arch}.rpm`, data: rpm }] });
}

/** Runs the managed repository's pipeline with `variables`, Koji's scheduler moving meanwhile. */
async function runPipeline(work: string, variables: Record<string, string>): Promise<string> {
  const koji = setInterval(() => hub.tasks.tick(), 20);
  try {
    const { stdout } = await gitlabCiLocal(
      work,
      ['--force-shell-executor', '--no-color'],
      { PATCHFERRY_ARTIFACTS: tempDir('patchferry-artifacts-'), ...secrets, ...variables },
      { GCL_IGNORE_PREDEFINED_VARS: Object.keys(variables).join(',') },
    );
    return stdout;
  } finally {
    clearInterval(koji);
  }
}

describe.runIf(available)('the RPM pipeline against the GitLab test server and the Koji test hub', () => {
  it('a merge: the push pipeline builds on Koji, publishes, and reports on the MR and to the list', async () => {
    const m = managedOnGitLab();
    await kojiBuildsGreeter(m.dir);

    // The daemon proposed the series; a reviewer merges it.
    await withContext(loadConfig(m.configFile), silentLogger(), (ctx) => runStages(ctx), secrets);
    expect(gitlab.mergeRequests('virt/greeter')).toHaveLength(1);
    gitlab.merge('virt/greeter', 1);
    const merged = git(m.hosted, ['rev-parse', 'master']).trim();
    const submitted = hub.requests.filter((r) => r.method === 'build').length;

    const out = await runPipeline(m.work, {
      CI_PIPELINE_SOURCE: 'push',
      CI_PROJECT_PATH: 'virt/greeter',
      CI_COMMIT_BRANCH: 'master',
      CI_COMMIT_SHA: merged,
    });
    expect(out).not.toMatch(/patchferry-sync/);
    expect(out).toMatch(/PASS\s+patchferry-build: \[el9\]/);
    expect(out).toMatch(/PASS\s+patchferry-publish/);
    expect(out).toMatch(/PASS\s+patchferry-report/);
    expect(hub.requests.filter((r) => r.method === 'build').length).toBe(submitted + 1);

    const published = readdirSync(join(m.dir, 'repos', 'greeter', 'master', 'el9'), {
      recursive: true,
      encoding: 'utf8',
    }).filter((f) => f.endsWith('.noarch.rpm'));
    expect(published).toEqual([
      expect.stringMatching(/greeter-0\.1-1\.\d+\.\d{8}git[0-9a-f]{7}(\.el9)?\.noarch\.rpm$/),
    ]);

    const status = gitlab.notes('virt/greeter', 1).filter((n) => n.body.includes('patchferry-status'));
    expect(status).toHaveLength(1);
    expect(status[0]?.body).toContain(`merged into \`master\` as ${merged.slice(0, 12)}`);
    expect(status[0]?.body).toContain('- [x] published');
    expect(status[0]?.body).toMatch(
      /\| el9 \(x86_64\) \| \d+ RPMs? \| http:\/\/127\.0\.0\.1:1\/greeter\/master\/el9/,
    );
    expect(gitlab.statuses('virt/greeter').map((s) => [s.sha, s.name, s.status])).toEqual([
      [merged, 'patchferry/rpm/el9', 'success'],
    ]);
    const report = await simpleParser(
      readFileSync(join(m.dir, 'outbox.mbox'), 'utf8')
        .split(/^From .*\n/m)
        .at(-1) ?? '',
    );
    expect(report.subject).toMatch(
      /^Re: \[master PATCH greeter\] greeter: say it twice \(patchferry: applied and built\)$/,
    );
    expect(report.text).toContain('Build for el9 (x86_64) succeeded');
  }, 240_000);

  it('the nightly schedule: syncs the list into an MR on GitLab, builds the tip on Koji, publishes to nightly/', async () => {
    const m = managedOnGitLab('virt/nightly-greeter');
    await kojiBuildsGreeter(m.dir);
    const submitted = hub.requests.filter((r) => r.method === 'build').length;
    const out = await runPipeline(m.work, {
      CI_PIPELINE_SOURCE: 'schedule',
      CI_PROJECT_PATH: 'virt/nightly-greeter',
    });
    expect(out).toMatch(/PASS\s+patchferry-sync/);
    expect(out).toMatch(/PASS\s+patchferry-build: \[el9\]/);
    expect(out).toMatch(/PASS\s+patchferry-publish/);
    expect(out).toMatch(/PASS\s+patchferry-report/);
    // The sync job, with an empty database, proposed the mailed series on the forge.
    expect(gitlab.mergeRequests('virt/nightly-greeter')).toHaveLength(1);
    expect(hub.requests.filter((r) => r.method === 'build').length).toBe(submitted + 1);
    const nightly = readdirSync(join(m.dir, 'repos', 'nightly'), {
      recursive: true,
      encoding: 'utf8',
    }).filter((f) => f.endsWith('.noarch.rpm'));
    expect(nightly).toEqual([
      expect.stringMatching(/greeter-0\.1-1\.\d+\.\d{8}git[0-9a-f]{7}(\.el9)?\.noarch\.rpm$/),
    ]);
    const summary = await simpleParser(
      readFileSync(join(m.dir, 'outbox.mbox'), 'utf8')
        .split(/^From .*\n/m)
        .at(-1) ?? '',
    );
    expect(summary.subject).toMatch(/^\[patchferry\] daily summary \d{4}-\d\d-\d\d$/);
  }, 240_000);
});
