import { PUBLIC_KEY_FILE, platformPath, repoId, treeUrl, type RepoSite } from './layout.ts';

/**
 * The .repo file of a platform, for /etc/yum.repos.d/, in the shape Copr serves
 * (https://copr.fedorainfracloud.org: `baseurl` ending in `$basearch/`, `type=rpm-md`,
 * `skip_if_unavailable=True`, the gpg keys): one file for every architecture of the platform.
 * `signed` says whether packages and repomd.xml carry signatures whose key is published at the root.
 */
export function repoFile(opts: { baseUrl: string; site: RepoSite; signed: boolean }): string {
  const { site } = opts;
  const platformUrl = treeUrl(opts.baseUrl, platformPath(site));
  const channel = site.channel === 'builds' ? '' : ` (${site.channel})`;
  return [
    `[${repoId(site)}]`,
    `name=${site.project} ${site.branch} for ${site.platform}${channel}, built by patchferry`,
    `baseurl=${platformUrl}$basearch/`,
    'type=rpm-md',
    'skip_if_unavailable=True',
    `gpgcheck=${opts.signed ? 1 : 0}`,
    `repo_gpgcheck=${opts.signed ? 1 : 0}`,
    ...(opts.signed ? [`gpgkey=${treeUrl(opts.baseUrl, '')}${PUBLIC_KEY_FILE}`] : []),
    'enabled=1',
    'enabled_metadata=1',
    '',
  ].join('\n');
}
