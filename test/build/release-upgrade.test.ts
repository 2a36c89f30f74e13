import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RpmbuildBuilder } from '../../src/build/rpmbuild-builder.ts';
import { SrpmPackager } from '../../src/build/srpm-packager.ts';
import { GitMirror } from '../../src/git/mirror.ts';
import { serveDirectory } from '../../src/publish/static-server.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { noarchRepo, rpmToolsAvailable } from '../helpers/rpm.ts';
import { testSandbox } from '../helpers/sandbox.ts';
import { tempDir } from '../helpers/tmp.ts';

const log = silentLogger();
const fc41 = { name: 'fc41', dist: '.fc41', arches: ['noarch'], kojiTarget: null, releasever: '41' };

/** A commit whose dates are `iso`, as patchferry's reproducible commits take them from the mail. */
function commitDated(repo: string, iso: string, file: string, text: string): string {
  writeFileSync(join(repo, file), text);
  const date = `${Date.parse(iso) / 1000} +0000`;
  const env = { ...process.env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
  const who = ['-c', 'user.name=Tess', '-c', 'user.email=tess@example.org'];
  execFileSync('git', [...who, 'commit', '-qam', `change ${file}`], { cwd: repo, env });
  return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
}

describe.runIf(rpmToolsAvailable('the dnf upgrade test') && hasDnf())('releases that always upgrade', () => {
  it('dnf upgrades to a build made from a patch dated before the installed build', async () => {
    const dir = tempDir();
    const repo = noarchRepo(join(dir, 'upstream')).path;
    const packager = new SrpmPackager({
      repository: new GitMirror({ workDir: join(dir, 'git') }),
      sandbox: testSandbox(),
      dir: join(dir, 'srpms'),
      log,
    });
    const builder = new RpmbuildBuilder({ log, sandbox: testSandbox() });
    const served = join(dir, 'served');
    mkdirSync(served);
    const build = async (commit: string) => {
      const srpm = await packager.make({
        project: 'greeter',
        gitUrl: repo,
        commit,
        spec: '*.spec',
        release: 'snapshot',
      });
      const progress = await builder.start({
        project: 'greeter',
        branch: 'master',
        commit,
        target: fc41,
        srpm,
        scratch: false,
        outDir: join(dir, 'out', commit),
      });
      const rpm = 'done' in progress ? progress.done.arches[0]?.rpms[0] : undefined;
      if (!rpm) throw new Error(`no RPM: ${JSON.stringify(progress)}`);
      // Published: into the served directory, its metadata made again.
      copyFileSync(rpm, join(served, basename(rpm)));
      execFileSync('createrepo_c', ['--quiet', '--update', served]);
      return basename(rpm);
    };
    const server = await serveDirectory(served, { port: 0 });
    const root = join(dir, 'installroot');
    // Not execFileSync: the server answering dnf runs in this process.
    const dnf = (...args: string[]) =>
      promisify(execFile)('dnf', [
        '--setopt=reposdir=/dev/null',
        '--setopt=install_weak_deps=False',
        '--nogpgcheck',
        `--repofrompath=greeter,${server.url}`,
        '--repo=greeter',
        '--releasever=41',
        `--installroot=${root}`,
        '-y',
        '-q',
        ...args,
      ]);
    try {
      const one = await build(
        commitDated(repo, '2026-11-29T10:00:00Z', 'greeter.sh', '#!/bin/sh\necho one\n'),
      );
      await dnf('install', 'greeter');
      // The next patch on the branch was written (and so dated) weeks before the first build.
      const two = await build(
        commitDated(repo, '2026-11-01T10:00:00Z', 'greeter.sh', '#!/bin/sh\necho two\n'),
      );
      expect(one).toMatch(/^greeter-0\.1-1\.2\.20261129git[0-9a-f]{7}\.fc41\.noarch\.rpm$/);
      expect(two).toMatch(/^greeter-0\.1-1\.3\.20261101git[0-9a-f]{7}\.fc41\.noarch\.rpm$/);
      await dnf('--refresh', 'upgrade', 'greeter');
      const installed = execFileSync('rpm', ['--root', root, '-q', 'greeter'], { encoding: 'utf8' }).trim();
      expect(`${installed}.rpm`).toBe(two);
      expect(readFileSync(join(root, 'usr', 'bin', 'greeter'), 'utf8')).toContain('echo two');
    } finally {
      await server.close();
    }
  });
});

function hasDnf(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v dnf'], { stdio: 'pipe' });
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error('dnf is missing; ci/setup installs it');
    console.warn('the dnf upgrade test skipped: dnf not found');
    return false;
  }
}
