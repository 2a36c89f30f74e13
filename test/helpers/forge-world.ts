import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeGitHub } from '../servers/github.ts';
import { FakeGitLab } from '../servers/gitlab.ts';
import { forgeRepo, mergeRequestConfig } from './forge-repo.ts';
import { commitFiles, git, uniqueIds } from './git.ts';

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
