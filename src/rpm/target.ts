/** A build target: a Koji build target, or locally a dist tag, that builds all its arches in one
 * build, as Koji does. Named by the `platforms.<name>` key of the configuration. */
export interface BuildTarget {
  readonly name: string;
  /** %{dist}, e.g. ".el9". */
  readonly dist: string;
  /** RPM architectures (`x86_64`, `ppc64le`, `noarch`, …), at least one. */
  readonly arches: readonly string[];
  /** Koji's build target; null when the platform is built locally only. */
  readonly kojiTarget: string | null;
  /** dnf's $releasever on this platform, for the .repo files published for it. */
  readonly releasever: string | null;
}

/** The arches of `target` a builder for `hostArch` can build: the host's own and `noarch`; the rest
 * are reported as skipped, never faked. */
export function buildableArches(
  target: Pick<BuildTarget, 'arches'>,
  hostArch: string,
): { build: string[]; skip: string[] } {
  const build = target.arches.filter((a) => a === hostArch || a === 'noarch');
  return { build, skip: target.arches.filter((a) => !build.includes(a)) };
}

/** Macros the dist tag implies, as the distribution's own rpm config defines them (`%rhel`, `%fedora`),
 * so that a spec's `%if 0%{?rhel}` sees the target even on a host of another distribution. */
export function distMacros(dist: string): Record<string, string> {
  const el = /^\.el(\d+)/.exec(dist);
  if (el?.[1]) return { rhel: el[1], [`el${el[1]}`]: '1' };
  const fc = /^\.fc(\d+)/.exec(dist);
  if (fc?.[1]) return { fedora: fc[1], [`fc${fc[1]}`]: '1' };
  return {};
}
