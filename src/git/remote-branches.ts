import { gitAt } from './git-run.ts';

/** Seconds `git ls-remote` may take: a local repository answers at once. */
const LS_REMOTE_MS = 10_000;

/** The branch names the repository at `gitUrl` has now (`git ls-remote --heads`). Errors: git's
 * (the repository cannot be read), or its time limit. */
export async function remoteBranches(gitUrl: string): Promise<Set<string>> {
  const out = await gitAt({ timeoutMs: LS_REMOTE_MS }).raw(['ls-remote', '--heads', '--', gitUrl]);
  const names = new Set<string>();
  for (const line of out.split('\n')) {
    const ref = line.split('\t')[1];
    if (ref?.startsWith('refs/heads/')) names.add(ref.slice('refs/heads/'.length));
  }
  return names;
}
