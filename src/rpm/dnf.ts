/**
 * The dnf that a platform ships, read from its dist tag: Fedora 41 moved to dnf 5 (its
 * `config-manager addrepo`), while Fedora up to 40 and RHEL/CentOS/Alma/Rocky 8–10 ship dnf 4
 * (`config-manager --add-repo`, from dnf-plugins-core). Source: Fedora 41 change "SwitchToDnf5"
 * and the RHEL 10 release notes (still dnf 4). Null when the dist tag says nothing we know.
 */
export function dnfMajorOf(dist: string | null | undefined): 4 | 5 | null {
  const fedora = /^\.fc(\d+)(?!\d)/.exec(dist ?? '');
  if (fedora) return Number(fedora[1]) >= 41 ? 5 : 4;
  if (/^\.el(8|9|10)(?!\d)/.test(dist ?? '')) return 4;
  return null;
}

/**
 * The commands that add a published repository from its `.repo` file on a platform with this dist
 * tag: one line when its dnf is known, else the dnf 5 and the dnf 4 form, each labelled.
 */
export function addRepoLines(dist: string | null | undefined, repoFileUrl: string): string[] {
  const five = addRepoCommand(5, repoFileUrl);
  const four = addRepoCommand(4, repoFileUrl);
  const major = dnfMajorOf(dist);
  if (major === 5) return [five];
  if (major === 4) return [four];
  return [`${five}   # dnf 5`, `${four}   # dnf 4`];
}

/** The command of dnf `major` that adds the repositories of a `.repo` file at `repoFileUrl`. */
export function addRepoCommand(major: 4 | 5, repoFileUrl: string): string {
  return major === 5
    ? `dnf config-manager addrepo --from-repofile=${repoFileUrl}`
    : `dnf config-manager --add-repo ${repoFileUrl}`;
}
