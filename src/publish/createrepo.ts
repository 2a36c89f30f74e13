import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runTool } from '../shared/run.ts';
import { linkOrCopy } from './state-dir.ts';

/** Older repomd.xml versions whose files stay in repodata/: a client that read one of them just
 * before a switch can still fetch every file it names. */
export const RETAINED_METADATA = 3;

/**
 * Brings a repository directory's metadata up to date with the RPMs in it: createrepo_c `--update`
 * reads only new or changed RPMs (size and mtime differ) and reuses the old metadata of the others,
 * so the cost follows what changed. No sqlite databases: dnf reads the XML.
 *
 * Old metadata is kept by our own count, not createrepo_c's: its `--retain-old-md N` keeps every
 * old file in 0.17, and with `--compatibility` the newest N by mtime, which within one second drops
 * the set a reader fetched a moment ago (seen here: the previous primary.xml.gz went, an older one
 * stayed). So createrepo_c removes all old files, and those of the last RETAINED_METADATA repomd.xml
 * versions (`history`, newest first, from the manifest) are linked back from the live state's
 * `liveRepodata`. Returns the new history, the new repomd.xml's files first.
 * Throws ToolError `createrepo_c_*`.
 */
export async function updateRepodata(
  dir: string,
  opts: {
    history: readonly (readonly string[])[];
    liveRepodata: string | null;
    signal?: AbortSignal;
    timeoutMs: number;
  },
): Promise<string[][]> {
  await runTool(
    'createrepo_c',
    ['--quiet', '--no-database', '--update', '--retain-old-md', '0', '--general-compress-type', 'gz', dir],
    { signal: opts.signal, timeoutMs: opts.timeoutMs },
  );
  const current = await repomdFiles(join(dir, 'repodata'));
  const history = [current, ...opts.history.map((files) => [...files])].slice(0, RETAINED_METADATA + 1);
  if (opts.liveRepodata !== null) {
    const keep = new Set(history.slice(1).flat());
    for (const f of current) keep.delete(f);
    for (const f of keep)
      await linkOrCopy(join(opts.liveRepodata, f), join(dir, 'repodata', f)).catch(
        (err: NodeJS.ErrnoException) => {
          // A file the live state no longer has (removed by hand) cannot be kept.
          if (err.code !== 'ENOENT' && err.code !== 'EEXIST') throw err;
        },
      );
  }
  return history;
}

/** The files a repodata/repomd.xml names, relative to repodata/; none when there is no repomd.xml. */
export async function repomdFiles(repodata: string): Promise<string[]> {
  let xml: string;
  try {
    xml = await readFile(join(repodata, 'repomd.xml'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return [...xml.matchAll(/<location href="repodata\/([^"/]+)"/g)].map((m) => m[1] as string);
}
