import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Whether dnf can run here (skips outside CI with a line saying why; fails under CI=true). */
export function dnfAvailable(what: string): boolean {
  if (spawnSync('sh', ['-c', 'command -v dnf']).status === 0) return true;
  if (process.env.CI === 'true') throw new Error(`${what} cannot run: dnf missing; ci/setup installs it`);
  console.warn(`${what} skipped: dnf missing (run ci/setup)`);
  return false;
}

/**
 * Runs dnf against one repository into a throwaway root, as a user of the published tree would:
 * no system repositories, metadata fetched afresh each time. `repo` is a baseurl, or a .repo file
 * given with `repoFile` (then `gpgcheck` comes from it). Returns dnf's output; throws on failure.
 */
export function dnf(
  installroot: string,
  args: readonly string[],
  opts: { baseurl?: string; reposdir?: string; gpgcheck?: boolean } = {},
): string {
  const repo = opts.baseurl ? [`--repofrompath=pf,${opts.baseurl}`, '--repo=pf'] : [];
  const full = [
    `--setopt=reposdir=${opts.reposdir ?? '/dev/null'}`,
    // Metadata fetched again each run: metadata_expire=0 alone keeps a cache made in the same second
    // (dnf 4 expires it when its age is above the limit, and 0 s is not), which missed build 2.
    '--refresh',
    '--setopt=install_weak_deps=False',
    ...(opts.gpgcheck ? [] : ['--nogpgcheck']),
    '--releasever=41',
    `--installroot=${installroot}`,
    '-y',
    ...repo,
    ...args,
  ];
  const run = spawnSync('dnf', full, { encoding: 'utf8', timeout: 120_000 });
  if (run.status !== 0)
    throw new Error(`dnf ${args.join(' ')} failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
  return `${run.stdout}${run.stderr}`;
}

/** What an installed tiny package's data file says (test/helpers/tiny-rpms.ts), or null. */
export function installedContent(installroot: string, name: string): string | null {
  const file = join(installroot, 'usr/share', name, 'version');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : null;
}
