import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoConfig } from '../../src/demo/demo.ts';
import { createDemoWorld } from '../../src/demo/world.ts';
import { FakeGitHub } from '../servers/github.ts';
import { FakeGitLab } from '../servers/gitlab.ts';
import { forgeRepo, mergeRequestConfig } from './forge-repo.ts';
import { commitFiles, git, uniqueIds } from './git.ts';
import { tempDir } from './tmp.ts';

/** A project hosted on the GitHub test server as virt/hello, a configuration in merge-request mode
 * reading list.mbox, and one fix mailed to that list. */
export async function githubWorld(dir: string, token: string, webhookSecretEnv?: string) {
  const github = new FakeGitHub([token]);
  const url = await github.listen();
  const { repo, configFile } = hostedWithFix(dir, forgeYaml('github', url, 'GH_TOKEN', webhookSecretEnv));
  github.addRepo('virt/hello', repo.bare);
  return { github, configFile, env: { GH_TOKEN: token } };
}

/** The same on the GitLab test server. */
export async function gitlabWorld(dir: string, token: string, webhookSecretEnv?: string) {
  const gitlab = new FakeGitLab(token);
  const url = await gitlab.listen();
  const { repo, configFile } = hostedWithFix(dir, forgeYaml('gitlab', url, 'GL_TOKEN', webhookSecretEnv));
  gitlab.addProject('virt/hello', repo.bare);
  return { gitlab, configFile, env: { GL_TOKEN: token } };
}

function forgeYaml(type: string, url: string, tokenEnv: string, webhookSecretEnv?: string): string {
  const secret = webhookSecretEnv ? `, webhookSecretEnv: ${webhookSecretEnv}` : '';
  return `forge: { type: ${type}, url: "${url}", tokenEnv: ${tokenEnv}${secret} }`;
}

function hostedWithFix(dir: string, forge: string) {
  const repo = forgeRepo(join(dir, 'hosted'));
  const configFile = join(dir, 'patchferry.yml');
  writeFileSync(configFile, mergeRequestConfig(repo.bare, forge));
  git(repo.work, ['checkout', '-q', '-b', 'fix']);
  commitFiles(repo.work, 'hello: fix', { 'fix.txt': 'fixed\n' });
  const mail = git(repo.work, ['format-patch', '--stdout', '-1', '--subject-prefix=master PATCH hello']);
  appendFileSync(join(dir, 'list.mbox'), uniqueIds(mail));
  return { repo, configFile };
}

/** The demo world (src/demo/world.ts) with its project hosted on `server` as virt/hello and its
 * configuration (`file`) proposing merge requests there; the project's clone (`work`) checked out
 * on a new branch `branch` from master, for the test's commits. */
export async function demoWorldOnGitLab(server: FakeGitLab, branch = 'greeting') {
  const world = await createDemoWorld(join(tempDir(), 'world'));
  const url = await server.listen();
  server.addProject('virt/hello', world.upstream);
  const file = join(world.dir, 'patchferry.yml');
  writeFileSync(
    file,
    demoConfig('http://127.0.0.1:1/repos/').replace(
      '    git: upstream/hello.git\n',
      '    git: upstream/hello.git\n    forgePath: virt/hello\n',
    ) + `forge: { type: gitlab, url: "${url}", tokenEnv: GL_TOKEN }\n`,
  );
  const work = join(world.dir, 'src', 'hello');
  git(work, ['checkout', '-q', '-b', branch, 'master']);
  return { world, url, file, work };
}
