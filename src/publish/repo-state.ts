import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { PatchferryError } from '../shared/errors.ts';
import { SOURCE_DIR } from './layout.ts';
import type { RpmHeader } from './rpm-query.ts';

/**
 * What a platform directory's state holds, written beside the repositories as `MANIFEST` so that the
 * next publication knows which build brought each package and when (retention counts builds, and the
 * build ids of a fresh database start again: the order is the state's own publication count `seq`).
 */
const statePackage = z.object({
  /** Relative to the platform directory: `x86_64/hello-1.0-3.fc41.x86_64.rpm`, `SRPMS/…`. */
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

const repoState = z.object({
  version: z.literal(1),
  /** Publications this platform directory has had. */
  seq: z.number(),
  packages: z.array(statePackage),
  /** Per repository directory, the files of its latest repomd.xml versions, newest first (old
   * metadata kept for clients mid-download, see createrepo.ts). */
  metadata: z.record(z.string(), z.array(z.array(z.string()))).default({}),
});

export type StatePackage = z.output<typeof statePackage>;
export type RepoState = z.output<typeof repoState>;

/** The manifest's name in a state; the leading dot keeps it out of listings and Apache's reach
 * (examples/httpd) while it stays beside what it describes. */
export const MANIFEST = '.patchferry-state.json';

export const EMPTY_STATE: RepoState = { version: 1, seq: 0, packages: [], metadata: {} };

/** Reads a state's manifest; a state without one (none published yet) is empty. */
export async function readState(stateDir: string | null): Promise<RepoState> {
  if (stateDir === null) return EMPTY_STATE;
  let text: string;
  try {
    text = await readFile(join(stateDir, MANIFEST), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_STATE;
    throw err;
  }
  const parsed = repoState.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new PatchferryError(
      'publish_bad_manifest',
      `${join(stateDir, MANIFEST)} is not a manifest this patchferry wrote; move the directory away to start the repository again`,
      { cause: parsed.error },
    );
  return parsed.data;
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
