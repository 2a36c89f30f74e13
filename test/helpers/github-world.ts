import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeGitHub } from '../servers/github.ts';
import { forgeRepo, mergeRequestConfig } from './forge-repo.ts';
import { commitFiles, git, uniqueIds } from './git.ts';

/** A project hosted on the GitHub test server as virt/hello, a configuration in merge-request mode
 * reading list.mbox, and one fix mailed to that list. */
export async function githubWorld(dir: string, token: string, webhookSecretEnv?: string) {
  const github = new FakeGitHub([token]);
  const url = await github.listen();
  const repo = forgeRepo(join(dir, 'hosted'));
  github.addRepo('virt/hello', repo.bare);
  const configFile = join(dir, 'patchferry.yml');
  const forge = `forge: { type: github, url: "${url}", tokenEnv: GH_TOKEN${webhookSecretEnv ? `, webhookSecretEnv: ${webhookSecretEnv}` : ''} }`;
  writeFileSync(configFile, mergeRequestConfig(repo.bare, forge));
  git(repo.work, ['checkout', '-q', '-b', 'fix']);
  commitFiles(repo.work, 'hello: fix', { 'fix.txt': 'fixed\n' });
  const mail = git(repo.work, ['format-patch', '--stdout', '-1', '--subject-prefix=master PATCH hello']);
  appendFileSync(join(dir, 'list.mbox'), uniqueIds(mail));
  return { github, configFile, env: { GH_TOKEN: token } };
}
