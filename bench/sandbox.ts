// npm run bench:sandbox [-- --runs N] [-- --modules N]: builds one package with the local builder
// (`rpmbuild --rebuild` of its SRPM) in the bubblewrap sandbox (builder.sandbox: bwrap) and without it (none: the same rpmbuild, limits
// and cleared environment, on the host), in the same run. The package is a small C project (N
// modules, compiled with -O2 by make -j as rpmbuild's %make_build does), so that the figure is the
// sandbox's cost on a build, not on an empty one; the demo's one-file package is timed too. Each is
// built --runs times (5), alternating which goes first; the figure is the median of the pairs' ratios
// (each pair back to back), the ratio of the fastest runs beside it.
// Ends with one JSON line of the figures.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RpmbuildBuilder } from '../src/build/rpmbuild-builder.ts';
import { createSandbox } from '../src/build/sandbox.ts';
import { SrpmPackager } from '../src/build/srpm-packager.ts';
import { GitMirror } from '../src/git/mirror.ts';
import type { SourcePackage } from '../src/ports/builder.ts';
import { SANDBOX_LIMITS } from '../src/config/schema.ts';
import { HELLO_C, MAKEFILE, spec as helloSpec } from '../src/demo/package.ts';
import { silentLogger } from '../src/shared/log.ts';

const { values } = parseArgs({ options: { runs: { type: 'string' }, modules: { type: 'string' } } });
const runs = Number(values.runs ?? 5);
const modules = Number(values.modules ?? 8);
const work = mkdtempSync(join(tmpdir(), 'patchferry-bench-sandbox-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

/** A C project of `count` modules, each with enough code for -O2 to work on. */
function cProject(dir: string, count: number): string {
  mkdirSync(dir, { recursive: true });
  const objects: string[] = [];
  for (let m = 0; m < count; m++) {
    const fns = Array.from(
      { length: 60 },
      (_, f) => `double m${m}_f${f}(const double *v, int n) {
  double acc = ${f}.0;
  for (int i = 0; i < n; i++) {
    double x = v[i] * ${m + 1}.5 + acc;
    for (int k = 0; k < ${(f % 7) + 2}; k++) x = x * 0.5 + (i % (k + 2)) - acc / (k + 1.0);
    acc += x > 0 ? x : -x;
  }
  return acc;
}`,
    );
    writeFileSync(join(dir, `m${m}.c`), fns.join('\n'));
    objects.push(`m${m}.o`);
  }
  writeFileSync(join(dir, 'main.c'), '#include <stdio.h>\nint main(void) { puts("bench"); return 0; }\n');
  writeFileSync(
    join(dir, 'Makefile'),
    `CFLAGS ?= -O2\nPREFIX ?= /usr\nbench: main.o ${objects.join(' ')}\n\t$(CC) -o $@ $^\n` +
      'install: bench\n\tinstall -D -m 0755 bench $(DESTDIR)$(PREFIX)/bin/bench\n',
  );
  writeFileSync(
    join(dir, 'bench.spec'),
    helloSpec('1')
      .replace('Name:           hello', 'Name:           bench')
      .replace('%{_bindir}/hello', '%{_bindir}/bench')
      .replace(/%changelog[\s\S]*$/, ''),
  );
  return dir;
}

function helloProject(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'hello.c'), HELLO_C);
  writeFileSync(join(dir, 'Makefile'), MAKEFILE);
  writeFileSync(join(dir, 'hello.spec'), helloSpec('1'));
  return dir;
}

const builders = {
  bwrap: new RpmbuildBuilder({
    log: silentLogger(),
    sandbox: createSandbox({ kind: 'bwrap', limits: SANDBOX_LIMITS }),
  }),
  none: new RpmbuildBuilder({
    log: silentLogger(),
    sandbox: createSandbox({ kind: 'none', limits: SANDBOX_LIMITS }),
  }),
};

/** The package's SRPM, made once (in the sandbox) from a git repository of `tree`. */
async function srpmOf(name: string, tree: string): Promise<SourcePackage> {
  const git = (args: string[]) =>
    execFileSync('git', args, {
      cwd: tree,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_AUTHOR_NAME: 'bench',
        GIT_AUTHOR_EMAIL: 'bench@localhost',
        GIT_COMMITTER_NAME: 'bench',
        GIT_COMMITTER_EMAIL: 'bench@localhost',
      },
    });
  git(['init', '-q', '-b', 'master']);
  git(['add', '-A']);
  git(['commit', '-q', '-m', name]);
  return new SrpmPackager({
    repository: new GitMirror({ workDir: join(work, 'git') }),
    sandbox: createSandbox({ kind: 'bwrap', limits: SANDBOX_LIMITS }),
    dir: join(work, 'srpms'),
    log: silentLogger(),
  }).make({
    project: name,
    gitUrl: tree,
    commit: git(['rev-parse', 'HEAD']).trim(),
    spec: '*.spec',
    release: 'spec',
  });
}

const hostArch = execFileSync('rpm', ['--eval', '%{_arch}'], { encoding: 'utf8' }).trim();

async function timeBuild(kind: 'bwrap' | 'none', srpm: SourcePackage, n: number): Promise<number> {
  const started = performance.now();
  const progress = await builders[kind].start({
    project: srpm.name,
    branch: 'master',
    commit: `run${n}`,
    target: { name: 'el9', dist: '.el9', arches: [hostArch], kojiTarget: null, releasever: null },
    srpm,
    scratch: false,
    outDir: join(work, `out-${kind}-${n}`),
  });
  const ms = performance.now() - started;
  if (!('done' in progress) || progress.done.state !== 'succeeded')
    throw new Error(`the ${kind} build failed: ${JSON.stringify(progress)}`);
  rmSync(join(work, `out-${kind}-${n}`), { recursive: true, force: true });
  return ms;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

async function compare(
  label: string,
  srpm: SourcePackage,
): Promise<{ ratio: number; bwrapMs: number; noneMs: number }> {
  await timeBuild('bwrap', srpm, -1); // warm caches (compiler, page cache) and the sandbox's probe
  await timeBuild('none', srpm, -1);
  const ratios: number[] = [];
  const times = { bwrap: [] as number[], none: [] as number[] };
  for (let i = 0; i < runs; i++) {
    const order: ('bwrap' | 'none')[] = i % 2 === 0 ? ['bwrap', 'none'] : ['none', 'bwrap'];
    const pair: Record<string, number> = {};
    for (const kind of order) pair[kind] = await timeBuild(kind, srpm, i);
    times.bwrap.push(pair.bwrap as number);
    times.none.push(pair.none as number);
    ratios.push((pair.bwrap as number) / (pair.none as number));
  }
  // Each pair runs back to back, so a change in the machine's other work between pairs cancels out:
  // the median of the pairs' ratios is the figure; the fastest runs' ratio is shown beside it.
  const best = { bwrap: Math.min(...times.bwrap), none: Math.min(...times.none) };
  const result = { ratio: median(ratios), bwrapMs: median(times.bwrap), noneMs: median(times.none) };
  console.log(
    `${label}: bwrap ${result.bwrapMs.toFixed(0)} ms, none ${result.noneMs.toFixed(0)} ms (medians of ${runs}); ` +
      `median of the pairs' ratios ${result.ratio.toFixed(3)}; fastest runs ${best.bwrap.toFixed(0)} and ` +
      `${best.none.toFixed(0)} ms, ratio ${(best.bwrap / best.none).toFixed(3)}`,
  );
  return result;
}

const demo = await compare(
  'demo package (hello.c, one file)',
  await srpmOf('hello', helloProject(join(work, 'hello'))),
);
const project = await compare(
  `C project (${modules} modules, -O2)`,
  await srpmOf('bench', cProject(join(work, 'bench'), modules)),
);
console.log(
  JSON.stringify({
    sandbox_overhead_ratio: Number(project.ratio.toFixed(4)),
    sandbox_build_ms: Math.round(project.bwrapMs),
    unsandboxed_build_ms: Math.round(project.noneMs),
    demo_sandbox_overhead_ratio: Number(demo.ratio.toFixed(4)),
    demo_sandbox_overhead_ms: Math.round(demo.bwrapMs - demo.noneMs),
    runs,
  }),
);
