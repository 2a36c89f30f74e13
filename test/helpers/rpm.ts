import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RpmbuildBuilder } from '../../src/build/rpmbuild-builder.ts';
import { SrpmPackager } from '../../src/build/srpm-packager.ts';
import { GitMirror } from '../../src/git/mirror.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { git } from './git.ts';
import { testSandbox } from './sandbox.ts';

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

/** A git repository holding the tiny noarch package (noarchTree), committed on master; returns its
 * path and the commit. */
export function noarchRepo(
  dir: string,
  opts: { name?: string; release?: string; broken?: boolean } = {},
): { path: string; commit: string } {
  noarchTree(dir, opts);
  git(dir, ['init', '-q', '-b', 'master']);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'package']);
  return { path: dir, commit: git(dir, ['rev-parse', 'HEAD']).trim() };
}

/** The noarch package built for real (SRPM from its repository, then the local rpmbuild): the
 * path of its binary RPM, `<name>-0.1-<release>.fc41.noarch.rpm`. */
export async function buildNoarch(
  dir: string,
  opts: { name?: string; release?: string } = {},
): Promise<string> {
  const repo = noarchRepo(join(dir, 'repo'), opts);
  const log = silentLogger();
  const packager = new SrpmPackager({
    repository: new GitMirror({ workDir: join(dir, 'git') }),
    sandbox: testSandbox(),
    dir: join(dir, 'srpms'),
    log,
  });
  const srpm = await packager.make({
    project: opts.name ?? 'greeter',
    gitUrl: repo.path,
    commit: repo.commit,
    spec: '*.spec',
    release: 'spec',
  });
  const progress = await new RpmbuildBuilder({ log, sandbox: testSandbox() }).start({
    project: opts.name ?? 'greeter',
    branch: 'master',
    commit: repo.commit,
    target: { name: 'fc41', dist: '.fc41', arches: ['noarch'], kojiTarget: null, releasever: null },
    srpm,
    scratch: false,
    outDir: join(dir, 'out'),
  });
  const rpm = 'done' in progress ? progress.done.arches[0]?.rpms[0] : undefined;
  if (!rpm) throw new Error(`the noarch package did not build: ${JSON.stringify(progress)}`);
  return rpm;
}
