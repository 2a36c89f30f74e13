/** How a project's builds get their Release: `snapshot` (the default) makes every build of a branch
 * sort above the earlier ones; `spec` keeps the spec's own, for branches whose maintainers bump it. */
export type ReleasePolicy = 'snapshot' | 'spec';

/** What the snapshot release is made of; all of it read from the commit, so a rebuild of the same
 * commit gets the same release. */
export interface CommitFacts {
  /** Commits reachable from the commit (`git rev-list --count`), itself included. */
  readonly count: number;
  /** The commit's committer date, ms since the epoch. */
  readonly date: number;
  /** The full commit id. */
  readonly sha: string;
}

/**
 * `<spec release>.<count>.<YYYYMMDD>git<short sha>` (the date in UTC, 7 hex digits of the commit),
 * to which the target's %{dist} is then appended. The count comes before the date: it grows as the
 * branch moves forward even when a patch's own date (the commit date patchferry's reproducible
 * commits take from the mail) is older than the branch tip's. The `.<date>git<sha>` form is
 * Fedora's packaging guideline for snapshots (docs.fedoraproject.org, "Versioning Guidelines").
 * `specRelease` is the spec's Release without %{dist}, e.g. "1" or "0.rc2".
 */
export function snapshotRelease(specRelease: string, commit: CommitFacts): string {
  if (!/^[A-Za-z0-9._+~^]+$/.test(specRelease))
    throw new RangeError(`the spec's Release "${specRelease}" is not an RPM release without %{dist}`);
  // A ref name in its place (stable-2.5) would put a dash in the NVR, which rpm splits on.
  if (!/^[0-9a-f]{7,64}$/.test(commit.sha)) throw new RangeError(`"${commit.sha}" is not a commit id`);
  const d = new Date(commit.date);
  const ymd = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
  return `${specRelease}.${commit.count}.${ymd}git${commit.sha.slice(0, 7)}`;
}

export function releaseFor(policy: ReleasePolicy, specRelease: string, commit: CommitFacts): string {
  return policy === 'spec' ? specRelease : snapshotRelease(specRelease, commit);
}

/**
 * The spec text with its (first, main package's) `Release:` tag set to `release`, followed by
 * `%{?dist}` when the original carried a dist macro. The SRPM is made from it, so that Koji and the
 * local builder alike build this NVR. Throws when the spec has no Release tag.
 */
export function rewriteRelease(spec: string, release: string): string {
  const tag = /^(Release[ \t]*:[ \t]*)(.*?)[ \t]*$/im;
  const found = tag.exec(spec);
  if (!found) throw new RangeError('the spec has no Release: tag');
  const hadDist = /%\{?\??dist\}?/.test(found[2] ?? '');
  const value = `${release}${hadDist ? '%{?dist}' : ''}`;
  return spec.slice(0, found.index) + `${found[1]}${value}` + spec.slice(found.index + found[0].length);
}

/** name-version-release, the package's NVR as rpm names it. */
export function nvr(p: {
  readonly name: string;
  readonly version: string;
  readonly release: string;
}): string {
  return `${p.name}-${p.version}-${p.release}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
