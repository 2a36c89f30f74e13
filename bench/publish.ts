// npm run bench:publish: what one new build costs to publish into a repository that already holds
// 100, 1,000 and 5,000 packages (real tiny RPMs, each its own package name, made by one rpmbuild of
// a spec with 5,000 subpackages), against createrepo_c making the same 5,000-package repository
// from scratch. Each size is timed over REPEATS new builds (median), the sizes taking turns. The publisher does the whole
// publication: rpm -qp of the new RPMs, the next state beside the live one (the Packages/<letter>
// directories and metadata of the letters the build's names touch made again, the others shared),
// manifest, .repo, index pages, the switch and the pages above.
// Also printed, outside the JSON: a build whose name shares its first letter with all 5,000 (the
// case where that letter is remade whole), and the size of primary.xml.gz against createrepo_c's.
// Ends with one JSON line of the figures. Aim: ratio_5000_vs_100 <= 2 (the cost follows what
// changed, not the size of the repository).
import { spawnSync } from 'node:child_process';
import { link, mkdir, readdir } from 'node:fs/promises';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreaterepoPublisher } from '../src/publish/createrepo-publisher.ts';
import { silentLogger } from '../src/shared/log.ts';

const SIZES = [100, 1_000, 5_000] as const;
const REPEATS = 9;
const dir = mkdtempSync(join(tmpdir(), 'bench-publish-'));

/** Builds one spec with `names` as subpackages (noarch, no files) and returns the binary RPMs by name. */
async function buildMany(tag: string, names: readonly string[]): Promise<Map<string, string>> {
  const top = join(dir, `top-${tag}`);
  const spec = join(dir, `${tag}.spec`);
  writeFileSync(
    spec,
    [
      `Name: ${tag}\nVersion: 1.0\nRelease: 1\nSummary: bench\nLicense: MIT\nBuildArch: noarch\n%description\nbench\n%files\n`,
      ...names.map(
        (n) => `%package -n ${n}\nSummary: bench ${n}\n%description -n ${n}\nbench\n%files -n ${n}\n`,
      ),
    ].join(''),
  );
  const run = spawnSync('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${top}`, spec], {
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`rpmbuild failed: ${run.stderr}`);
  const out = new Map<string, string>();
  const noarch = join(top, 'RPMS', 'noarch');
  for (const f of await readdir(noarch)) out.set(f.replace(/-1\.0-1\.noarch\.rpm$/, ''), join(noarch, f));
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

try {
  let t = performance.now();
  const existing = await buildMany(
    'base',
    Array.from({ length: 5_000 }, (_, i) => `p${String(i).padStart(5, '0')}`),
  );
  const fresh = await buildMany('fresh', [
    ...Array.from({ length: REPEATS * SIZES.length }, (_, i) => `new${String(i).padStart(3, '0')}`),
    ...Array.from({ length: 3 }, (_, i) => `p${String(5_000 + i).padStart(5, '0')}`),
  ]);
  console.log(
    `made ${existing.size + fresh.size} tiny RPMs in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  const freshRpms = [...fresh.entries()].filter(([n]) => n.startsWith('new')).map(([, f]) => f);
  const sameLetterRpms = [...fresh.entries()].filter(([n]) => n.startsWith('p')).map(([, f]) => f);
  const baseRpms = [...existing.entries()]
    .filter(([n]) => n.startsWith('p'))
    .map(([, f]) => f)
    .sort();

  const figures: Record<string, number> = {};
  let next = 0;
  const req = { project: 'bench', branch: 'master', platform: { name: 'fc41', arches: ['x86_64'] } };
  const publisherAt = (root: string) =>
    new CreaterepoPublisher({ root, baseUrl: 'http://127.0.0.1:8080/', log: silentLogger() });
  const publishers = new Map<number, CreaterepoPublisher>();
  for (const size of SIZES) {
    const publisher = publisherAt(join(dir, `repo-${size}`));
    t = performance.now();
    await publisher.publish({ ...req, buildId: 1, rpms: baseRpms.slice(0, size) });
    console.log(
      `${String(size).padStart(5)} packages: filled in ${((performance.now() - t) / 1000).toFixed(2)} s`,
    );
    publishers.set(size, publisher);
  }
  // The sizes take turns, so that what else the machine does at a time weighs on each alike.
  const times = new Map<number, number[]>(SIZES.map((size) => [size, []]));
  for (let r = 0; r < REPEATS; r++)
    for (const size of SIZES) {
      const rpm = freshRpms[next++] as string;
      t = performance.now();
      await publishers.get(size)?.publish({ ...req, buildId: 2 + r, rpms: [rpm] });
      times.get(size)?.push((performance.now() - t) / 1000);
    }
  for (const size of SIZES) {
    const ts = times.get(size) ?? [];
    figures[`s_${size}`] = round3(median(ts));
    console.log(
      `${String(size).padStart(5)} packages: one new build published in ${median(ts).toFixed(3)} s (median of ${REPEATS}; fastest ${Math.min(...ts).toFixed(3)} s: ${ts.map((x) => x.toFixed(3)).join(', ')})`,
    );
  }

  // The unfavourable case: the new name's letter is the one holding all 5,000.
  const big = publisherAt(join(dir, 'repo-5000'));
  const sameLetter: number[] = [];
  for (const [r, rpm] of sameLetterRpms.entries()) {
    t = performance.now();
    await big.publish({ ...req, buildId: 100 + r, rpms: [rpm] });
    sameLetter.push((performance.now() - t) / 1000);
  }
  console.log(
    `5000 packages, a build in the letter holding them all: ${median(sameLetter).toFixed(3)} s (median of ${sameLetter.length}; that letter is remade whole)`,
  );

  // The raw tool on the same 5,000: createrepo_c making the repository from scratch.
  const scratch = join(dir, 'scratch');
  await mkdir(scratch);
  for (const f of baseRpms) await link(f, join(scratch, f.slice(f.lastIndexOf('/') + 1)));
  const full: number[] = [];
  for (let r = 0; r < 3; r++) {
    rmSync(join(scratch, 'repodata'), { recursive: true, force: true });
    t = performance.now();
    const run = spawnSync('createrepo_c', ['--quiet', '--no-database', scratch], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`createrepo_c failed: ${run.stderr}`);
    full.push((performance.now() - t) / 1000);
  }
  const fullS = median(full);
  const primarySize = (repo: string) => {
    const files = readdirSync(join(repo, 'repodata'));
    const repomd = readFileSync(join(repo, 'repodata', 'repomd.xml'), 'utf8');
    const href = /<data type="primary">[\s\S]*?<location href="repodata\/([^"]+)"/.exec(repomd)?.[1];
    return href && files.includes(href) ? statSync(join(repo, 'repodata', href)).size : NaN;
  };
  console.log(
    `primary.xml.gz of 5,000+ packages: ${primarySize(join(dir, 'repo-5000/bench/master/fc41/x86_64'))} bytes published (gzip members per letter), ${primarySize(scratch)} bytes from createrepo_c`,
  );
  console.log(`createrepo_c from scratch on 5,000 packages: ${fullS.toFixed(3)} s (median of 3)`);
  const result = {
    s_100: figures.s_100 as number,
    s_1000: figures.s_1000 as number,
    s_5000: figures.s_5000 as number,
    ratio_5000_vs_100: round3((figures.s_5000 as number) / (figures.s_100 as number)),
    ratio_vs_full_createrepo_5000: round3((figures.s_5000 as number) / fullS),
  };
  console.log(
    `one build into 5,000 costs ${result.ratio_5000_vs_100}x one into 100 (aim <= 2), and ${result.ratio_vs_full_createrepo_5000}x createrepo_c from scratch`,
  );
  console.log(JSON.stringify(result));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
