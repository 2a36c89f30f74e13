import { PatchferryError } from '../shared/errors.ts';
import {
  copyFile,
  link,
  mkdir,
  readdir,
  readlink,
  rename,
  rm,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { PACKAGES_DIR } from './layout.ts';

/** The state directory a served platform directory links to, absolute; null when none is served. */
export async function liveState(served: string): Promise<string | null> {
  try {
    return resolve(dirname(served), await readlink(served));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'EINVAL')
      throw new PatchferryError(
        'publish_not_a_state',
        `${served} is a real directory, not a link to a state (an older patchferry's layout?); move it away to publish here`,
        { cause: err },
      );
    throw err;
  }
}

/** Hard-links a file, or copies it where a link cannot be made (another file system). */
export async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyFile(from, to);
  }
}

/** Writes a file that may be a hard link shared with the live state: the link goes first, so the
 * live state's copy is never touched. */
export async function writeReplacing(path: string, content: string | Buffer): Promise<void> {
  await rm(path, { force: true });
  await writeFile(path, content);
}

/** Replaces a file with one rename, so a reader gets the old content or the new, whole. */
export async function writeAtomically(path: string, content: string | Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}`);
  await writeFile(tmp, content);
  await rename(tmp, path);
}

/**
 * Makes `served` a symbolic link to `state` with one rename over the old link: a reader resolving the
 * path gets the old state or the new one, never a mix or nothing.
 */
export async function switchTo(served: string, state: string): Promise<void> {
  await mkdir(dirname(served), { recursive: true });
  const next = `${served}.next-${process.pid}`;
  await rm(next, { force: true });
  await symlink(relative(dirname(served), state), next);
  await rename(next, served);
}

/** The directory beside a platform's states holding the package directories they share. */
export const SHARED_PACKAGES = 'packages';

/**
 * The package directory of one letter of one repository as publication `seq` made it:
 * `<statesDir>/packages/<repo>/<letter>.<seq>`. Made whole before a state links to it and never
 * changed after, so a state switched to keeps seeing the packages its metadata names; a publication
 * that changes a letter makes a new one (links of the files that stay), the others are shared.
 */
export function letterDir(statesDir: string, repoDir: string, letter: string, seq: number): string {
  return join(statesDir, SHARED_PACKAGES, repoDir, `${letter}.${seq}`);
}

/** Makes `<state>/<repo>/Packages/<letter>` a relative symbolic link to a shared letter directory. */
export async function linkLetter(
  stateDir: string,
  repoDir: string,
  letter: string,
  target: string,
): Promise<void> {
  const packages = join(stateDir, repoDir, PACKAGES_DIR);
  await mkdir(packages, { recursive: true });
  await symlink(relative(packages, target), join(packages, letter));
}

/** The letters of a state's repository and the shared directory each links to (absolute); none for
 * a repository the state does not have. */
export async function letterLinks(stateDir: string, repoDir: string): Promise<Map<string, string>> {
  const packages = join(stateDir, repoDir, PACKAGES_DIR);
  const names = await readdir(packages).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  const links = new Map<string, string>();
  for (const n of names) {
    const target = await readlink(join(packages, n)).catch(() => null);
    if (target !== null) links.set(n, resolve(packages, target));
  }
  return links;
}

/** Removes the states of a platform directory but the newest `keep` (the live one always stays),
 * what an interrupted publication left, and the shared letter directories no state kept links to. */
export async function pruneStates(statesDir: string, live: string, keep: number): Promise<string[]> {
  const names = await readdir(statesDir).catch(() => [] as string[]);
  const numbered = names.filter((n) => /^\d+$/.test(n)).sort((a, b) => Number(b) - Number(a));
  const doomed = [
    ...numbered.slice(keep).filter((n) => join(statesDir, n) !== live),
    ...names.filter((n) => !/^\d+$/.test(n) && n !== SHARED_PACKAGES && join(statesDir, n) !== live),
  ];
  for (const n of doomed) await rm(join(statesDir, n), { recursive: true, force: true });
  const kept = numbered.filter((n) => !doomed.includes(n)).map((n) => join(statesDir, n));
  const shared = join(statesDir, SHARED_PACKAGES);
  const repos = await readdir(shared).catch(() => [] as string[]);
  for (const repo of repos) {
    const used = new Set<string>();
    for (const state of kept)
      for (const target of (await letterLinks(state, repo)).values()) used.add(target);
    for (const dir of await readdir(join(shared, repo)))
      if (!used.has(join(shared, repo, dir)))
        await rm(join(shared, repo, dir), { recursive: true, force: true });
  }
  return doomed;
}

/** Removes a file if it is there. */
export async function unlinkIfPresent(path: string): Promise<void> {
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}
