import { isLocalUrl } from '../git/mirror.ts';
import { remoteBranches } from '../git/remote-branches.ts';
import { errorMessage } from '../shared/errors.ts';
import type { Config } from '../config/schema.ts';

/**
 * `config check`: the configured branches each project's repository lacks, one sentence each
 * naming the key to fix, for the repositories on this machine (a path or file:// URL; a remote
 * one is not contacted, its branches are checked when a run fetches them). A local repository
 * that cannot be read is said too.
 */
export async function missingBranches(config: Pick<Config, 'projects'>): Promise<string[]> {
  const problems = await Promise.all(
    Object.entries(config.projects).map(async ([name, project]) => {
      if (!isLocalUrl(project.git)) return [];
      let have: Set<string>;
      try {
        have = await remoteBranches(project.git);
      } catch (err) {
        return [`projects.${name}.git: cannot read the repository ${project.git}: ${errorMessage(err)}`];
      }
      return project.branches
        .filter((branch) => !have.has(branch))
        .map(
          (branch) =>
            `projects.${name}.branches: the repository ${project.git} has no branch "${branch}": correct the list, or create the branch in the repository`,
        );
    }),
  );
  return problems.flat();
}
