import { copyFile, mkdir, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { Logger } from '../shared/log.ts';
import { runTool } from '../shared/run.ts';
import { repoFile, repoFileName, repoFileUrl, repoPath, repoUrl } from './layout.ts';
import type { Publication, PublishRequest, Publisher } from '../ports/publisher.ts';

export interface CreaterepoPublisherOptions {
  /** The directory the web server serves. */
  readonly root: string;
  readonly baseUrl: string;
  /** Snapshots kept per repository, the served one included. */
  readonly keep?: number;
  /** Milliseconds createrepo_c may take for one snapshot; 10 minutes when absent. */
  readonly timeoutMs?: number;
  readonly log: Logger;
}

/** Publishes each build as a complete snapshot made by createrepo_c, then switches the served path
 * to it with one atomic rename, so a yum client never sees half-written metadata. A createrepo_c
 * stopped by the request's signal or the time limit rejects (`createrepo_c_aborted`,
 * `createrepo_c_timeout`) and leaves what is served as it was. */
export class CreaterepoPublisher implements Publisher {
  readonly #opts: CreaterepoPublisherOptions;

  constructor(opts: CreaterepoPublisherOptions) {
    this.#opts = opts;
  }

  async publish(req: PublishRequest): Promise<Publication> {
    const rel = repoPath(req.project, req.branch, req.platform.name, req.platform.arch);
    const served = join(this.#opts.root, rel);
    const snapshots = join(this.#opts.root, '.snapshots', rel);
    const snapshot = join(snapshots, String(req.buildId));
    if (!existsSync(join(snapshot, 'repodata', 'repomd.xml'))) {
      const staging = `${snapshot}.partial`;
      await rm(staging, { recursive: true, force: true });
      await mkdir(staging, { recursive: true });
      for (const rpm of req.rpms) await copyFile(rpm, join(staging, basename(rpm)));
      await runTool('createrepo_c', ['--quiet', '--no-database', staging], {
        signal: req.signal,
        timeoutMs: this.#opts.timeoutMs ?? 10 * 60 * 1000,
      });
      await rm(snapshot, { recursive: true, force: true });
      await rename(staging, snapshot);
    }
    await mkdir(dirname(served), { recursive: true });
    const next = `${served}.next-${process.pid}`;
    await rm(next, { force: true });
    await symlink(relative(dirname(served), snapshot), next);
    await rename(next, served);
    await writeFile(
      join(
        this.#opts.root,
        repoPath(req.project, req.branch, req.platform.name),
        repoFileName(req.project, req.branch),
      ),
      repoFile(this.#opts.baseUrl, req.project, req.branch, req.platform.name),
    );
    await this.#prune(snapshots, String(req.buildId));
    const url = repoUrl(this.#opts.baseUrl, rel);
    this.#opts.log.info(
      { project: req.project, branch: req.branch, platform: req.platform.name, url },
      'repository published',
    );
    return {
      path: served,
      url,
      repoFileUrl: repoFileUrl(this.#opts.baseUrl, req.project, req.branch, req.platform.name),
    };
  }

  /** Old snapshots go, newest first kept; the served one is never removed. */
  async #prune(dir: string, current: string): Promise<void> {
    const keep = this.#opts.keep ?? 3;
    const ids = (await readdir(dir)).filter((n) => /^\d+$/.test(n)).sort((a, b) => Number(b) - Number(a));
    for (const id of ids.slice(keep))
      if (id !== current) await rm(join(dir, id), { recursive: true, force: true });
  }
}
