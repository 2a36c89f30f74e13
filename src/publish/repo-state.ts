import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { PatchferryError } from '../shared/errors.ts';
import { PACKAGES_DIR, SOURCE_DIR } from './layout.ts';
import { letterOf } from './md-entries.ts';
import type { RpmHeader } from './rpm-query.ts';

/**
 * What a platform directory's state holds, written beside the repositories (`MANIFEST` and a file
 * per letter in LETTERS_DIR) so that the next publication knows which build brought each package and
 * when (retention counts builds, and the build ids of a fresh database start again: the order is the
 * state's own publication count `seq`).
 */
const statePackage = z.object({
  /** Relative to the platform directory: `x86_64/Packages/h/hello-1.0-3.fc41.x86_64.rpm`, `SRPMS/…`
   * (packagePath). */
  path: z.string(),
  name: z.string(),
  epoch: z.number(),
  version: z.string(),
  release: z.string(),
  arch: z.string(),
  source: z.boolean(),
  summary: z.string(),
  /** Bytes. */
  size: z.number(),
  /** The publication of this state that added it: 1, 2, … */
  seq: z.number(),
  buildId: z.number(),
  /** ISO 8601, UTC. */
  publishedAt: z.string(),
});

/** The manifest as patchferry wrote it before the packages were kept per letter (read to take a
 * repository over, never written). */
const wholeState = z.object({
  version: z.literal(1),
  seq: z.number(),
  packages: z.array(statePackage),
  metadata: z.record(z.string(), z.array(z.array(z.string()))).default({}),
});

/** What a repository directory's packages of one letter come to, for the index pages. */
const letterSummary = z.object({
  packages: z.number(),
  /** The newest publishedAt, ISO 8601. */
  latest: z.string(),
  /** The binary package names, sorted (for the dnf install line). */
  names: z.array(z.string()),
});

/** The manifest: the packages themselves are in one file per letter (LETTERS_DIR), so that a
 * publication reads and writes only the letters of the names it adds. */
const stateSummary = z.object({
  version: z.literal(2),
  /** Publications this platform directory has had. */
  seq: z.number(),
  /** Per repository directory, the files of its latest repomd.xml versions, newest first (old
   * metadata kept for clients mid-download, see createrepo.ts). */
  metadata: z.record(z.string(), z.array(z.array(z.string()))),
  /** Per repository directory and letter (md-entries.ts letterOf), what its packages come to. */
  repos: z.record(z.string(), z.record(z.string(), letterSummary)),
});

const letterFile = z.object({ version: z.literal(2), packages: z.array(statePackage) });

export type StatePackage = z.output<typeof statePackage>;
export type LetterSummary = z.output<typeof letterSummary>;
export type StateSummary = z.output<typeof stateSummary>;

/** The manifest's name in a state; the leading dot keeps it out of listings and Apache's reach
 * (examples/httpd) while it stays beside what it describes. */
export const MANIFEST = '.patchferry-state.json';

/** The directory of a state's per-letter package lists: `<letter>.json`. */
export const LETTERS_DIR = '.patchferry-state';

export const EMPTY_STATE: StateSummary = { version: 2, seq: 0, metadata: {}, repos: {} };

/**
 * Reads a state's manifest; a state without one (none published yet) is empty. A manifest of the
 * older whole form comes with its packages as `whole` (paths as it gave them: `x86_64/<file>`),
 * to be taken over at once. Throws PatchferryError `publish_bad_manifest`.
 */
export async function readState(
  stateDir: string | null,
): Promise<{ summary: StateSummary; whole: StatePackage[] | null }> {
  if (stateDir === null) return { summary: EMPTY_STATE, whole: null };
  const json = await readJson(join(stateDir, MANIFEST));
  if (json === undefined) return { summary: EMPTY_STATE, whole: null };
  const v2 = stateSummary.safeParse(json);
  if (v2.success) return { summary: v2.data, whole: null };
  const v1 = wholeState.safeParse(json);
  if (v1.success)
    return {
      summary: { version: 2, seq: v1.data.seq, metadata: v1.data.metadata, repos: {} },
      whole: v1.data.packages,
    };
  throw badManifest(join(stateDir, MANIFEST), v2.error);
}

/** The packages of the given letters in a state, from their files (absent letters have none). */
export async function readLetters(stateDir: string, letters: Iterable<string>): Promise<StatePackage[]> {
  const out: StatePackage[] = [];
  for (const letter of letters) {
    const path = join(stateDir, LETTERS_DIR, `${letter}.json`);
    const json = await readJson(path);
    if (json === undefined) continue;
    const parsed = letterFile.safeParse(json);
    if (!parsed.success) throw badManifest(path, parsed.error);
    out.push(...parsed.data.packages);
  }
  return out;
}

/** The text of a letter's package list. */
export function letterText(packages: readonly StatePackage[]): string {
  return `${JSON.stringify({ version: 2, packages }, null, 1)}\n`;
}

/** What each repository directory's packages of each letter come to. */
export function summarize(packages: readonly StatePackage[]): StateSummary['repos'] {
  const repos: StateSummary['repos'] = {};
  for (const p of packages) {
    const dir = repoDirOf(p.path);
    const letters = (repos[dir] ??= {});
    const s = (letters[letterOf(p.name)] ??= { packages: 0, latest: p.publishedAt, names: [] });
    s.packages++;
    if (p.publishedAt > s.latest) s.latest = p.publishedAt;
    if (!p.source && !s.names.includes(p.name)) s.names.push(p.name);
  }
  for (const letters of Object.values(repos)) for (const s of Object.values(letters)) s.names.sort();
  return repos;
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return JSON.parse(text);
}

function badManifest(path: string, cause: unknown): PatchferryError {
  return new PatchferryError(
    'publish_bad_manifest',
    `${path} is not a manifest this patchferry wrote; move the directory away to start the repository again`,
    { cause },
  );
}

/** Where a package is served in its platform directory: `<repo>/Packages/<letter>/<file>` (the
 * letter of its name, as Fedora lays out its trees). */
export function packagePath(repoDir: string, name: string, file: string): string {
  return `${repoDir}/${PACKAGES_DIR}/${letterOf(name)}/${file}`;
}

/**
 * The repository directories a package goes to: a source package to `SRPMS`, a noarch package to
 * every arch of the platform (dnf reads only `$basearch`), any other to its own arch.
 * `arches` are the platform's; a platform building only noarch has the arch `noarch`.
 */
export function placement(header: Pick<RpmHeader, 'arch' | 'source'>, arches: readonly string[]): string[] {
  if (header.source) return [SOURCE_DIR];
  if (header.arch !== 'noarch') return [header.arch];
  const binary = arches.filter((a) => a !== 'noarch');
  return binary.length > 0 ? [...binary] : ['noarch'];
}

/** The repository directory of a package path (`x86_64`, `SRPMS`). */
export function repoDirOf(path: string): string {
  return path.slice(0, path.indexOf('/'));
}

/**
 * Retention: of each package name in each repository directory, the packages of the newest `keep`
 * publications stay, older ones go (a build's subpackages share its publication, so a whole build
 * goes at once). Returns what stays and what goes, each in the input's order.
 */
export function retain(
  packages: readonly StatePackage[],
  keep: number,
): { kept: StatePackage[]; removed: StatePackage[] } {
  const seqsOf = new Map<string, number[]>();
  for (const p of packages) {
    const key = `${repoDirOf(p.path)}\0${p.name}`;
    const seqs = seqsOf.get(key) ?? [];
    if (!seqs.includes(p.seq)) seqs.push(p.seq);
    seqsOf.set(key, seqs);
  }
  const newest = new Map<string, Set<number>>();
  for (const [key, seqs] of seqsOf) newest.set(key, new Set(seqs.sort((a, b) => b - a).slice(0, keep)));
  const kept: StatePackage[] = [];
  const removed: StatePackage[] = [];
  for (const p of packages)
    (newest.get(`${repoDirOf(p.path)}\0${p.name}`)?.has(p.seq) ? kept : removed).push(p);
  return { kept, removed };
}
