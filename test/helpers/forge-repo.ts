import { join } from 'node:path';
import { commitFiles, git, makeRepo } from './git.ts';

/** A bare repository as a forge hosts it (master with one commit), and a clone to push branches
 * from. */
export function forgeRepo(dir: string): {
  bare: string;
  work: string;
  pushBranch: (branch: string, file: string) => string;
} {
  const work = makeRepo(join(dir, 'work'), { README: 'hello\n' });
  const bare = join(dir, 'hosted.git');
  git(dir, ['clone', '-q', '--bare', work, bare]);
  git(work, ['remote', 'add', 'origin', bare]);
  return {
    bare,
    work,
    pushBranch(branch, file) {
      git(work, ['checkout', '-q', '-B', branch, 'master']);
      commitFiles(work, `add ${file}`, { [file]: `${file}\n` });
      git(work, ['push', '-q', '-f', 'origin', `${branch}:${branch}`]);
      git(work, ['checkout', '-q', 'master']);
      return git(work, ['rev-parse', branch]).trim();
    },
  };
}

/** A configuration in merge-request mode for `bare` as virt/hello on the forge `forgeYaml` names,
 * reading list.mbox next to it. */
export function mergeRequestConfig(
  bare: string,
  forgeYaml: string,
  options: { branches?: readonly string[]; archiveUrl?: string } = {},
): string {
  return `state: { database: state.db }
workDir: work
sources: [{ type: mbox, path: list.mbox }]
projects:
  hello: { git: ${bare}, forgePath: virt/hello, branches: [${(options.branches ?? ['master']).join(', ')}], platforms: [el9] }
platforms: { el9: { dist: .el9, arch: noarch } }
${forgeYaml}
publisher: { root: repos, baseUrl: "http://127.0.0.1:1/" }
reporter:
  from: patchferry <patchferry@example.org>
  listAddress: list@example.org
${options.archiveUrl ? `  archiveUrl: ${options.archiveUrl}\n` : ''}`;
}
