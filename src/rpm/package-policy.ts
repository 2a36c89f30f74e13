/** What a build's header says about one binary or source package: enough to judge what it may publish. */
export interface PackageIdentity {
  readonly name: string;
  /** 0 when the spec gives no Epoch. */
  readonly epoch: number;
}

/** What a project may publish, from `projects.<p>.packages` and what its branch published before. */
export interface PackagePolicy {
  /** Globs of package names (`qemu`, `qemu-*`); null when the project configures none. */
  readonly allowed: readonly string[] | null;
  /** The packages the branch's last published build made; null when it has none. Its names are the
   * default allow-list, and its epochs the highest a build may carry. */
  readonly before: readonly PackageIdentity[] | null;
}

/**
 * Why a build may not be published, one sentence per package at fault; empty when it may. A name is
 * allowed when it matches one of `allowed`, or, with none configured, when the branch published it
 * before; a branch's first build sets those names (configure `packages` to hold a new branch to
 * them too). An Epoch may never rise over what the branch published before: a higher Epoch beats
 * every version dnf compares it with, so a package of that name could then never be replaced by a
 * legitimate build (the attack in issue 12: `bash` with Epoch 99 in a project's repository).
 */
export function refusedPackages(produced: readonly PackageIdentity[], policy: PackagePolicy): string[] {
  const reasons: string[] = [];
  const allowed = policy.allowed?.map(globRegExp) ?? null;
  const before = new Map(uniqueByName(policy.before ?? []).map((p) => [p.name, p.epoch]));
  for (const pkg of uniqueByName(produced)) {
    if (allowed && !allowed.some((re) => re.test(pkg.name)))
      reasons.push(
        `${pkg.name} is not a package this project may publish (projects.<project>.packages: ${policy.allowed?.join(', ')})`,
      );
    else if (!allowed && policy.before && !before.has(pkg.name))
      reasons.push(
        `${pkg.name} was not built by this branch before (it built ${[...before.keys()].sort().join(', ')}); to publish a new package, add it to projects.<project>.packages`,
      );
    const epoch = before.get(pkg.name);
    if (epoch !== undefined && pkg.epoch > epoch)
      reasons.push(
        `${pkg.name} raises its Epoch from ${epoch} to ${pkg.epoch}, which only a maintainer may do`,
      );
  }
  return reasons;
}

function uniqueByName(packages: readonly PackageIdentity[]): PackageIdentity[] {
  const byName = new Map<string, PackageIdentity>();
  for (const p of packages) if ((byName.get(p.name)?.epoch ?? -1) < p.epoch) byName.set(p.name, p);
  return [...byName.values()];
}

/** A shell-style glob of a package name (`*`, `?`, `[abc]`) as an anchored regular expression. */
export function globRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) source += '\\[';
      else {
        const set = glob.slice(i + 1, end);
        source += `[${set.startsWith('!') ? `^${set.slice(1)}` : set}]`;
        i = end;
      }
    } else source += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
