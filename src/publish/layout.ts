import type { PublishChannel } from '../ports/publisher.ts';

/**
 * Where repositories live in the published tree, as paths under the root and as URLs. Pure.
 *
 *     <root>/<project>/<branch>/<platform>/<arch>/        every build of the branch (channel "builds"),
 *                                                         packages in Packages/<letter>/
 *     <root>/<project>/<branch>/<platform>/SRPMS/         their source packages
 *     <root>/<channel>/<project>/<branch>/<platform>/…    the nightly, testing and stable channels
 *     <root>/.states/…                                    the states the platform directories link to
 *     <root>/logs/<project>/<branch>/<platform>/…         local builds' logs (build-logs.ts)
 *     <root>/.ci/not-applied.json                         series CI jobs reported as not applying
 *
 * A platform directory is a symbolic link to one complete state (every arch, SRPMS, the .repo file
 * and the index pages), so that a publication switches all of it with one rename. A state's
 * `<arch>/Packages/<letter>` are links to directories shared by the states
 * (`.states/…/<platform>/packages/<arch>/<letter>.<seq>`), made whole once and never changed, so
 * that a publication makes only the letters it changes.
 */

/** Which tree a publication goes to: every build (the default), the scheduled builds, or the
 * testing and stable repositories of the test stage. */
export type Channel = PublishChannel;

export const CHANNELS: readonly Channel[] = ['builds', 'nightly', 'testing', 'stable'];

/** The public key at the root of the tree, named by the .repo files' gpgkey. */
export const PUBLIC_KEY_FILE = 'RPM-GPG-KEY-patchferry';

/** The top-level directory of local builds' logs. */
export const LOGS_DIR = 'logs';

/** The top-level directory of what CI jobs pass on to the next (not-applied-file.ts). */
export const CI_DIR = '.ci';

/** Top-level names the tree itself uses (the channels, the dated patches archive, the builds' logs,
 * the states, the root's index page and public key); a project cannot be called so, its tree would
 * collide. */
export const RESERVED_TOP_LEVEL: readonly string[] = [
  ...CHANNELS.filter((c) => c !== 'builds'),
  'patches',
  LOGS_DIR,
  '.states',
  CI_DIR,
  'index.html',
  PUBLIC_KEY_FILE,
];

/** One platform's repositories of one project's branch in one channel. */
export interface RepoSite {
  readonly channel: Channel;
  readonly project: string;
  readonly branch: string;
  readonly platform: string;
}

/** The directory in each repository whose subdirectories, one per first letter of the package
 * names, hold the packages (links to directories shared by the states, see state-dir.ts). */
export const PACKAGES_DIR = 'Packages';

/** The directory of source packages beside the arch directories. */
export const SOURCE_DIR = 'SRPMS';

/** The platform directory relative to the root, e.g. `nightly/hello/master/fc41`. */
export function platformPath(site: RepoSite): string {
  return [
    ...(site.channel === 'builds' ? [] : [site.channel]),
    site.project,
    site.branch,
    site.platform,
  ].join('/');
}

/** Where the states of a platform directory are kept, relative to the root. */
export function statesPath(site: RepoSite): string {
  return `.states/${platformPath(site)}`;
}

/** A repository's path relative to the root (`arch` is an architecture or `SRPMS`). */
export function repoPath(site: RepoSite, arch: string): string {
  return `${platformPath(site)}/${arch}`;
}

/** A URL of a directory under the root, ending with `/`; each segment is percent-encoded. */
export function treeUrl(baseUrl: string, relative: string): string {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  if (relative === '') return base;
  return `${base}${relative.split('/').map(encodeURIComponent).join('/')}/`;
}

/** The repository id of a platform in .repo files and dnf's --repo. */
export function repoId(site: RepoSite): string {
  const parts = ['patchferry', ...(site.channel === 'builds' ? [] : [site.channel])];
  return [...parts, site.project, site.branch, site.platform].join('-').replace(/[^A-Za-z0-9._-]/g, '_');
}

/** The .repo file's name in the platform directory, e.g. `hello-master-fc41.repo`. */
export function repoFileName(site: RepoSite): string {
  const parts = [
    ...(site.channel === 'builds' ? [] : [site.channel]),
    site.project,
    site.branch,
    site.platform,
  ];
  return `${parts.join('-').replace(/[^A-Za-z0-9._-]/g, '-')}.repo`;
}

/** Where the .repo file of a platform is served. */
export function repoFileUrl(baseUrl: string, site: RepoSite): string {
  return `${treeUrl(baseUrl, platformPath(site))}${encodeURIComponent(repoFileName(site))}`;
}
