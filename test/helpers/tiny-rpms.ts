import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TinyPackage {
  readonly name: string;
  readonly version?: string;
  readonly release: string;
  /** `noarch` (the default), or an arch to build for (`rpmbuild --target`): nothing is compiled. */
  readonly arch?: string;
  /** Names of subpackages built beside the main one. */
  readonly subpackages?: readonly string[];
  /** What the installed /usr/share/<name>/version file says; the NVR when absent. */
  readonly content?: string;
  /** Capabilities the package requires (`Requires:`). */
  readonly requires?: readonly string[];
  /** A program on this machine installed as /usr/bin/<name> (give `arch` too: a binary is not noarch). */
  readonly program?: string;
}

/**
 * Builds a tiny real RPM (and its SRPM) with rpmbuild -ba: a data file, no sources, no compiler, in
 * a fraction of a second. Returns the binary RPMs and the SRPM.
 */
export function tinyRpms(dir: string, pkg: TinyPackage): { rpms: string[]; srpm: string } {
  const top = join(dir, `top-${pkg.name}-${pkg.release}-${pkg.arch ?? 'noarch'}`);
  mkdirSync(top, { recursive: true });
  const version = pkg.version ?? '1.0';
  const noarch = (pkg.arch ?? 'noarch') === 'noarch';
  const subs = pkg.subpackages ?? [];
  const spec = join(top, `${pkg.name}.spec`);
  writeFileSync(
    spec,
    `Name: ${pkg.name}
Version: ${version}
Release: ${pkg.release}
Summary: tiny ${pkg.name} for tests
License: MIT
${noarch ? 'BuildArch: noarch\n' : ''}AutoReqProv: no
${(pkg.requires ?? []).map((r) => `Requires: ${r}\n`).join('')}${pkg.program ? '%global debug_package %{nil}\n%global __strip /bin/true\n' : ''}%description
A tiny package.
${subs.map((s) => `%package -n ${s}\nSummary: tiny ${s}\n%description -n ${s}\nA tiny subpackage.\n`).join('')}
%install
mkdir -p %{buildroot}/usr/share/${pkg.name}
echo '${pkg.content ?? `${pkg.name}-${version}-${pkg.release}`}' > %{buildroot}/usr/share/${pkg.name}/version
${pkg.program ? `install -D -m 0755 ${pkg.program} %{buildroot}/usr/bin/${pkg.name}` : ''}
${subs.map((s) => `mkdir -p %{buildroot}/usr/share/${s} && echo ${s} > %{buildroot}/usr/share/${s}/f`).join('\n')}
%files
/usr/share/${pkg.name}
${pkg.program ? `/usr/bin/${pkg.name}` : ''}
${subs.map((s) => `%files -n ${s}\n/usr/share/${s}\n`).join('')}
`,
  );
  const args = ['-ba', '--define', `_topdir ${top}`, '--define', '_build_id_links none', '--quiet'];
  if (!noarch) args.push('--target', pkg.arch as string);
  const run = spawnSync('rpmbuild', [...args, spec], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`rpmbuild failed: ${run.stderr}`);
  const rpms: string[] = [];
  for (const a of readdirSync(join(top, 'RPMS')))
    for (const f of readdirSync(join(top, 'RPMS', a))) rpms.push(join(top, 'RPMS', a, f));
  const srpm = readdirSync(join(top, 'SRPMS')).map((f) => join(top, 'SRPMS', f))[0];
  if (!srpm) throw new Error('rpmbuild made no SRPM');
  return { rpms: rpms.sort(), srpm };
}
