import type { BuildFacts } from '../../src/render/report.ts';

/** A build of `platform` (x86_64, dist tag `.<platform>`) that succeeded and was published under http://r/. */
export function succeededBuild(platform: string, rpms: readonly string[]): BuildFacts {
  return {
    platform,
    arch: 'x86_64',
    ok: true,
    rpms,
    repoUrl: `http://r/${platform}/x86_64/`,
    repoFileUrl: `http://r/${platform}/h.repo`,
    dist: `.${platform}`,
    logPath: null,
    logTail: null,
    error: null,
  };
}

/** A build of `platform` (x86_64) that failed, with its log's path and last lines. */
export function failedBuild(
  platform: string,
  f: { logPath: string; logTail: string; error: string },
): BuildFacts {
  return {
    platform,
    arch: 'x86_64',
    ok: false,
    rpms: [],
    repoUrl: null,
    repoFileUrl: null,
    dist: `.${platform}`,
    ...f,
  };
}
