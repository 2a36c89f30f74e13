/** Where a project/branch/platform/arch repository lives, as a path under the root and as a URL. Pure. */
export function repoPath(project: string, branch: string, platform: string, arch?: string): string {
  return [project, branch, platform, ...(arch ? [arch] : [])].join('/');
}

export function repoUrl(baseUrl: string, relative: string): string {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return `${base}${relative.split('/').map(encodeURIComponent).join('/')}/`;
}

export function repoId(project: string, branch: string, platform: string): string {
  return `patchferry-${project}-${branch}-${platform}`.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** A .repo file for the platform; `$basearch` lets one file serve every architecture. */
export function repoFile(baseUrl: string, project: string, branch: string, platform: string): string {
  return [
    `[${repoId(project, branch, platform)}]`,
    `name=${project} ${branch} for ${platform} (patchferry)`,
    `baseurl=${repoUrl(baseUrl, repoPath(project, branch, platform))}$basearch/`,
    'enabled=1',
    // Signing comes with the publisher's signing key; until one is configured packages are unsigned.
    'gpgcheck=0',
    '',
  ].join('\n');
}

export function repoFileName(project: string, branch: string): string {
  return `${project}-${branch.replace(/\//g, '-')}.repo`;
}

/** Where the .repo file of a project/branch/platform is served. */
export function repoFileUrl(baseUrl: string, project: string, branch: string, platform: string): string {
  return `${repoUrl(baseUrl, repoPath(project, branch, platform))}${encodeURIComponent(repoFileName(project, branch))}`;
}
