import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Whether the demo package can be built and published here: rpmbuild, rpmspec, createrepo_c and a
 * C compiler with make. Outside CI their absence skips the test with a line saying why; under
 * CI=true it is an error, because CI must exercise them (ci/setup installs them). */
export function rpmToolsAvailable(what: string): boolean {
  const missing = ['rpmbuild', 'rpmspec', 'createrepo_c', 'gcc', 'make'].filter(
    (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0,
  );
  if (missing.length === 0) return true;
  const why = `${missing.join(', ')} not found`;
  if (process.env.CI === 'true') throw new Error(`${what} cannot run (${why}); ci/setup installs them`);
  console.warn(`${what} skipped: ${why} (run ci/setup to install them)`);
  return false;
}

/** A source tree of a tiny noarch package, as a repository would hold it. */
export function noarchTree(
  dir: string,
  opts: { name?: string; release?: string; broken?: boolean } = {},
): string {
  const name = opts.name ?? 'greeter';
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'greeter.sh'), '#!/bin/sh\necho hello\n');
  writeFileSync(
    join(dir, `${name}.spec`),
    `Name: ${name}
Version: 0.1
Release: ${opts.release ?? '1'}%{?dist}
Summary: test package
License: MIT
BuildArch: noarch
Source0: %{name}-%{version}.tar.gz
AutoReqProv: no

%description
A test package.

%prep
%setup -q

%build
${opts.broken ? 'echo "deliberate failure in %%build" >&2; exit 3' : ':'}

%install
install -D -m 0755 greeter.sh %{buildroot}%{_bindir}/${name}

%files
%{_bindir}/${name}
`,
  );
  return dir;
}
