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

/**
 * Hard-links every file under `from` into `to` (made as needed), but for the relative paths in
 * `except`: the next state starts as the live one at the cost of a directory entry per file, and
 * the live state's files are never written through these links (rewritten files are replaced, see
 * writeReplacing). Across file systems (EXDEV) a file is copied instead.
 */
export async function linkTree(from: string, to: string, except: ReadonlySet<string>): Promise<void> {
  const entries = await readdir(from, { recursive: true, withFileTypes: true });
  const dirs = new Set<string>(['']);
  const files: string[] = [];
  for (const e of entries) {
    const rel = relative(from, join(e.parentPath, e.name));
    if (e.isDirectory()) dirs.add(rel);
    else if (!except.has(rel)) files.push(rel);
  }
  for (const d of [...dirs].sort()) await mkdir(join(to, d), { recursive: true });
  for (let i = 0; i < files.length; i += 256)
    await Promise.all(files.slice(i, i + 256).map((f) => linkOrCopy(join(from, f), join(to, f))));
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

/** Removes the states of a platform directory but the newest `keep` (the live one always stays), and
 * what an interrupted publication left. */
export async function pruneStates(statesDir: string, live: string, keep: number): Promise<string[]> {
  const names = await readdir(statesDir).catch(() => [] as string[]);
  const numbered = names.filter((n) => /^\d+$/.test(n)).sort((a, b) => Number(b) - Number(a));
  const doomed = [
    ...numbered.slice(keep).filter((n) => join(statesDir, n) !== live),
    ...names.filter((n) => !/^\d+$/.test(n) && join(statesDir, n) !== live),
  ];
  for (const n of doomed) await rm(join(statesDir, n), { recursive: true, force: true });
  return doomed;
}

/** Removes a file if it is there. */
export async function unlinkIfPresent(path: string): Promise<void> {
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}
