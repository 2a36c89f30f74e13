import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Git } from './git-run.ts';
import { processAlive } from '../shared/process-alive.ts';

/** A worktree lent to one series at a time. */
export interface LentWorktree {
  readonly dir: string;
  /** The commit the worktree's (detached) HEAD is at. */
  head(): Promise<string>;
  release(): Promise<void>;
}

/**
 * Worktrees of a project's mirror, kept between series and lent to one series at a time: a series
 * never shares its working directory, and the next one only rewrites the files that differ instead
 * of checking out (and later deleting) the whole tree. Files older than the index also spare
 * `git am` the re-hashing a fresh checkout costs (git's "racily clean" entries).
 *
 * A slot is taken by creating `slot-N.lock` exclusively, holding the taker's pid, so two processes
 * sharing a work directory never take the same slot; a lock whose process is gone is taken over.
 */
export class WorktreePool {
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
  }

  /** A clean worktree at `start`. `exclusive` serialises changes to the mirror's worktree list. */
  async lend(
    mirror: Git,
    worktreeGit: (dir: string) => Git,
    start: string,
    exclusive: <T>(work: () => Promise<T>) => Promise<T>,
  ): Promise<LentWorktree> {
    await mkdir(this.#root, { recursive: true });
    for (let slot = 0; ; slot++) {
      const lock = join(this.#root, `slot-${slot}.lock`);
      const taken = await takeLock(lock);
      if (taken === 'held') continue;
      const dir = join(this.#root, `slot-${slot}`);
      const release = () => rm(lock, { force: true });
      try {
        if (existsSync(join(dir, '.git'))) {
          const git = worktreeGit(dir);
          if (taken === 'abandoned') {
            // Its last user was killed, maybe in the middle of `git am`: undo whatever it left.
            await git.raw(['am', '--abort']).catch(() => undefined);
            await git.raw(['reset', '--quiet', '--hard']);
            await git.raw(['clean', '-fdxq']);
          }
          // A user that finished left it clean (git am succeeded, or was aborted): only the files
          // that differ from `start` are rewritten.
          await git.raw(['checkout', '--quiet', '--force', '--detach', start]);
        } else {
          await exclusive(async () => {
            await rm(dir, { recursive: true, force: true });
            await mirror.raw(['worktree', 'prune']);
            await mirror.raw(['worktree', 'add', '--detach', '--quiet', dir, start]);
          });
        }
        return { dir, head: detachedHead(dir, worktreeGit(dir)), release };
      } catch (err) {
        // A slot that cannot be reset is dropped, so the next series gets a fresh one.
        await exclusive(async () => {
          await rm(dir, { recursive: true, force: true });
          await mirror.raw(['worktree', 'prune']).catch(() => undefined);
        });
        await release();
        throw err;
      }
    }
  }
}

/**
 * Reads a detached HEAD from the worktree's own HEAD file, which holds the commit id: a file read
 * instead of a `git rev-parse HEAD` process, two of which per series bench:apply counted at 5 ms
 * each. Anything else in that file (a ref store that keeps HEAD elsewhere) is left to git to say.
 */
function detachedHead(dir: string, git: Git): () => Promise<string> {
  let gitDir: Promise<string> | undefined;
  return async () => {
    gitDir ??= readFile(join(dir, '.git'), 'utf8').then(
      (text) => resolve(dir, text.replace(/^gitdir: /, '').trim()),
      () => '',
    );
    const where = await gitDir;
    const id = where ? (await readFile(join(where, 'HEAD'), 'utf8').catch(() => '')).trim() : '';
    return /^([0-9a-f]{40}|[0-9a-f]{64})$/.test(id) ? id : (await git.revparse(['HEAD'])).trim();
  };
}

/** Creates `lock` holding our pid: 'free' when nobody held it, 'abandoned' when its holder is
 * gone (the slot may hold a half-done `git am`), 'held' when a live process holds it. */
async function takeLock(lock: string): Promise<'free' | 'abandoned' | 'held'> {
  let abandoned = false;
  for (;;) {
    try {
      const handle = await open(lock, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return abandoned ? 'abandoned' : 'free';
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
    if (holder > 0 && processAlive(holder)) return 'held';
    // Empty: its taker is between creating and writing it, unless that was long ago.
    const age = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: 0 }))).mtimeMs;
    if (!(holder > 0) && age < 10_000) return 'held';
    await rm(lock, { force: true });
    abandoned = true;
  }
}
