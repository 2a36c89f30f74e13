import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
