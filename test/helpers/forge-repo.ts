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
