// npm run bench:build [-- --rounds N] [-- --functions N]: one package (a generated C program compiled
// with -O2 in %build, so each build is real CPU work), its SRPM made once, built for 4 targets by the
// local builder (rpmbuild in the bubblewrap sandbox, as in production). Each target is first built
// alone, one after another (the longest and the sum of those builds), then all four are started at
// once, the builder bounding them to this machine's cores (the wall time). The ideal for this machine
// is the larger of the longest build and the sum divided by the builds that can run at once
// (min(cores, 4)). A round is the four builds alone then the four at once, back to back, so both
// see the same machine; of --rounds rounds (3), the figures are the round with the median ratio to
// the ideal. With bench/koji-poll.ts present, its hub calls per poll round (Koji, 50 builds of 3
// arches against the test hub) join the figures. Ends with one JSON line of the figures.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { RpmbuildBuilder } from '../src/build/rpmbuild-builder.ts';
import { createSandbox } from '../src/build/sandbox.ts';
import { SANDBOX_LIMITS } from '../src/config/schema.ts';
import { SrpmPackager } from '../src/build/srpm-packager.ts';
import { GitMirror } from '../src/git/mirror.ts';
import type { BuildRequest, BuildTarget } from '../src/ports/builder.ts';
import { silentLogger } from '../src/shared/log.ts';

const { values } = parseArgs({
  options: { functions: { type: 'string' }, rounds: { type: 'string' }, sandbox: { type: 'string' } },
});
const functions = Number(values.functions ?? 400);
const rounds = Number(values.rounds ?? 3);
const cores = availableParallelism();
const log = silentLogger();
const hostArch = execFileSync('rpm', ['--eval', '%{_arch}'], { encoding: 'utf8' }).trim();
const targets: BuildTarget[] = ['el8', 'el9', 'fc40', 'fc41'].map((name) => ({
  name,
  dist: `.${name}`,
  arches: [hostArch],
  kojiTarget: null,
  releasever: name.replace(/\D/g, ''),
}));

/** A C file of `n` small functions: enough for gcc -O2 to work a few seconds. */
function program(n: number): string {
  const fns = Array.from(
    { length: n },
    (_, i) =>
      `int f${i}(int x) { int s = 0; for (int k = 0; k < x; k++) s += (k * ${i + 3}) % 7 ^ (s >> 3); return s; }`,
  );
  return `${fns.join('\n')}\nint main(void) { int t = 0;\n${Array.from({ length: n }, (_, i) => `t += f${i}(${i % 13});`).join('\n')}\nreturn t & 1; }\n`;
}

const SPEC = `Name: busy
Version: 1.0
Release: 1%{?dist}
Summary: a package whose build is real work
License: MIT
Source0: %{name}-%{version}.tar.gz
%global debug_package %{nil}

%description
Compiles a generated program.

%prep
%setup -q

%build
gcc -O2 -o busy busy.c

%install
install -D -m 0755 busy %{buildroot}%{_bindir}/busy

%files
%{_bindir}/busy
`;

const dir = mkdtempSync(join(tmpdir(), 'bench-build-'));
try {
  const repo = join(dir, 'upstream');
  const git = (args: string[]) =>
    execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@localhost', ...args], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' },
    });
  execFileSync('mkdir', ['-p', repo]);
  writeFileSync(join(repo, 'busy.spec'), SPEC);
  writeFileSync(join(repo, 'busy.c'), program(functions));
  git(['init', '-q', '-b', 'master']);
  git(['add', '-A']);
  git(['commit', '-qm', 'busy']);
  const commit = git(['rev-parse', 'HEAD']).trim();

  // The limits a build gets by default (builder.limits unset).
  const sandbox = createSandbox({
    kind: values.sandbox === 'none' ? 'none' : 'bwrap',
    limits: SANDBOX_LIMITS,
  });
  const packager = new SrpmPackager({
    repository: new GitMirror({ workDir: join(dir, 'git') }),
    sandbox,
    dir: join(dir, 'srpms'),
    log,
  });
  const srpm = await packager.make({
    project: 'busy',
    gitUrl: repo,
    commit,
    spec: '*.spec',
    release: 'snapshot',
  });
  const builder = new RpmbuildBuilder({ log, sandbox, concurrency: cores });
  const request = (t: BuildTarget, run: string): BuildRequest => ({
    project: 'busy',
    branch: 'master',
    commit,
    target: t,
    srpm,
    scratch: false,
    outDir: join(dir, 'out', run, t.name),
  });
  const timed = async (t: BuildTarget, run: string) => {
    const start = performance.now();
    const progress = await builder.start(request(t, run));
    const seconds = (performance.now() - start) / 1000;
    if (!('done' in progress) || progress.done.state !== 'succeeded')
      throw new Error(`the build for ${t.name} failed: ${JSON.stringify(progress)}`);
    return seconds;
  };

  console.log(
    `bench:build: ${srpm.name}-${srpm.version}-${srpm.release}, ${targets.length} targets, ${cores} cores`,
  );
  const results = [];
  for (let r = 1; r <= rounds; r++) {
    const alone: number[] = [];
    for (const t of targets) alone.push(await timed(t, `alone-${r}`));
    const start = performance.now();
    await Promise.all(targets.map((t) => timed(t, `together-${r}`)));
    const wall = (performance.now() - start) / 1000;
    const longest = Math.max(...alone);
    const sum = alone.reduce((a, b) => a + b, 0);
    const ideal = Math.max(longest, sum / Math.min(cores, targets.length));
    results.push({ wall, longest, sum, ideal });
    const each = alone.map((s, i) => `${targets[i]?.name} ${s.toFixed(2)} s`).join(', ');
    console.log(
      `  round ${r}: alone ${each}; all ${targets.length} at once ${wall.toFixed(2)} s (ideal here ${ideal.toFixed(2)} s, ratio ${(wall / ideal).toFixed(3)})`,
    );
  }
  results.sort((a, b) => a.wall / a.ideal - b.wall / b.ideal);
  const median = results[Math.floor(results.length / 2)] ?? { wall: 0, longest: 1, sum: 0, ideal: 1 };
  const round = (x: number) => Math.round(x * 1000) / 1000;
  const koji = kojiPolling();
  console.log(
    JSON.stringify({
      wall_s: round(median.wall),
      longest_s: round(median.longest),
      sum_s: round(median.sum),
      ratio_wall_vs_longest: round(median.wall / median.longest),
      ratio_wall_vs_ideal: round(median.wall / median.ideal),
      ...(koji === null ? {} : { koji_calls_per_poll: koji }),
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** The Koji half of the figures: bench/koji-poll.ts (50 builds of 3 arches watched at once against
 * the test hub) run in a process of its own; its hub calls per poll round. Null without it. */
function kojiPolling(): number | null {
  const script = join(import.meta.dirname, 'koji-poll.ts');
  if (!existsSync(script)) return null;
  const out = execFileSync(process.execPath, [script], { encoding: 'utf8' });
  const last = out.trim().split('\n').at(-1) ?? '';
  console.log(
    out
      .trimEnd()
      .split('\n')
      .slice(0, -1)
      .map((l) => `  koji: ${l}`)
      .join('\n'),
  );
  return z.object({ koji_calls_per_poll: z.number() }).parse(JSON.parse(last)).koji_calls_per_poll;
}
