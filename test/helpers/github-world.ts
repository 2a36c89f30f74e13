import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeGitHub } from '../servers/github.ts';
import { forgeRepo } from './forge-repo.ts';
import { commitFiles, git, uniqueIds } from './git.ts';

/** A project hosted on the GitHub test server as virt/hello, a configuration in merge-request mode
 * reading list.mbox, and one fix mailed to that list. */
export async function githubWorld(dir: string, token: string, webhookSecretEnv?: string) {
  const github = new FakeGitHub([token]);
  const url = await github.listen();
  const repo = forgeRepo(join(dir, 'hosted'));
  github.addRepo('virt/hello', repo.bare);
  const configFile = join(dir, 'patchferry.yml');
  writeFileSync(
    configFile,
    `state: { database: state.db }
workDir: work
sources: [{ type: mbox, path: list.mbox }]
projects:
  hello: { git: ${repo.bare}, forgePath: virt/hello, branches: [master], platforms: [el9] }
platforms: { el9: { dist: .el9, arch: noarch } }
forge: { type: github, url: "${url}", tokenEnv: GH_TOKEN${webhookSecretEnv ? `, webhookSecretEnv: ${webhookSecretEnv}` : ''} }
publisher: { root: repos, baseUrl: "http://127.0.0.1:1/" }
reporter: { from: patchferry@example.org, listAddress: list@example.org }
`,
  );
  git(repo.work, ['checkout', '-q', '-b', 'fix']);
  commitFiles(repo.work, 'hello: fix', { 'fix.txt': 'fixed\n' });
  const mail = git(repo.work, ['format-patch', '--stdout', '-1', '--subject-prefix=master PATCH hello']);
  appendFileSync(join(dir, 'list.mbox'), uniqueIds(mail));
  return { github, configFile, env: { GH_TOKEN: token } };
}
