import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildLogs, BuildLogsRequest, PublishedLogs } from '../ports/build-logs.ts';
import { PatchferryError, errorMessage } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import { writeTreePages } from './index-pages.ts';
import { LOGS_DIR, treeUrl } from './layout.ts';
import { KeyedSerial } from './serial.ts';

export interface PublishedBuildLogsOptions {
  /** The directory the web server serves (publisher.root). */
  readonly root: string;
  readonly baseUrl: string;
  /** Builds whose logs stay per project, branch and platform (publisher.keep, as the packages). */
  readonly keep: number;
  /** Carries the logs on to the remote httpd host (RsyncTarget) once written here; none when absent. */
  readonly mirror?: { mirrorDirectory(dir: string): Promise<void> };
  /** The pipeline run this process's builds belong to (digits: GitLab's CI_PIPELINE_ID), when a CI
   * job builds them: its database numbers builds from 1 in every pipeline, so its logs are named
   * `<run>.<build id>-<NVR>` and a rebuild in a later pipeline never replaces an earlier one's. */
  readonly run?: string;
  readonly log: Logger;
  /** The index pages' date; the clock by default. */
  readonly now?: () => Date;
}

/** The serial key of the index pages above the platform directories (logs/, logs/<project>/…). */
const PAGES = '\0pages';

/**
 * Local builds' logs under the published tree:
 *
 *     <root>/logs/<project>/<branch>/<platform>/<build id>-<NVR>/build.<arch>.log
 *     <root>/logs/<project>/<branch>/<platform>/<run>.<build id>-<NVR>/build.<arch>.log   (CI jobs)
 *
 * Each build's directory is written beside the served ones and renamed into place, so a reader gets
 * a whole log or none. Host paths in the text are replaced by what the request says they show.
 * Every directory from the build's up to `logs/` gets an index.html listing it.
 * Retention: the newest `keep` builds (by run, then build id; a name without a run is older than
 * any with one) of each platform directory keep their logs, the same count of builds the
 * repositories keep of each package; failed builds count like the others.
 */
export class PublishedBuildLogs implements BuildLogs {
  readonly #o: PublishedBuildLogsOptions;
  readonly #serial = new KeyedSerial();

  constructor(opts: PublishedBuildLogsOptions) {
    this.#o = opts;
  }

  publish(req: BuildLogsRequest): Promise<PublishedLogs> {
    const platformDir = [LOGS_DIR, req.project, req.branch, req.platform].join('/');
    return this.#serial.run(platformDir, () => this.#publish(platformDir, req));
  }

  async #publish(platformDir: string, req: BuildLogsRequest): Promise<PublishedLogs> {
    const id = this.#o.run === undefined ? String(req.buildId) : `${this.#o.run}.${req.buildId}`;
    const name = `${id}-${req.nvr ?? 'no-srpm'}`.replace(/[^A-Za-z0-9._+~^-]/g, '_');
    const dir = join(this.#o.root, platformDir);
    const next = join(dir, `.${name}.next-${process.pid}`);
    const urls = new Map<string, string>();
    try {
      await rm(next, { recursive: true, force: true });
      await mkdir(next, { recursive: true });
      for (const l of req.logs) {
        const text = await readFile(l.path, 'utf8');
        await writeFile(join(next, l.name), withoutHostPaths(text, req.hostPaths));
        urls.set(
          l.name,
          `${treeUrl(this.#o.baseUrl, `${platformDir}/${name}`)}${encodeURIComponent(l.name)}`,
        );
      }
      await rm(join(dir, name), { recursive: true, force: true });
      await rename(next, join(dir, name));
    } catch (err) {
      await rm(next, { recursive: true, force: true }).catch(() => undefined);
      throw new PatchferryError(
        'publish_log_failed',
        `the logs of build ${req.buildId} could not be written under ${this.#o.root}: ${errorMessage(err)}; check that directory's space and permissions`,
        { cause: err, retryable: true },
      );
    }
    await this.#prune(dir, name);
    // A static host without directory listings serves these pages (the servers list them anyway).
    const generated = (this.#o.now?.() ?? new Date()).toISOString();
    await this.#serial.run(PAGES, () =>
      writeTreePages(this.#o.root, join(dir, name), generated, join(this.#o.root, LOGS_DIR)),
    );
    await this.#o.mirror?.mirrorDirectory(platformDir);
    this.#o.log.info({ build: req.buildId, logs: [...urls.keys()] }, 'build logs published');
    return urls;
  }

  /** Removes the log directories of all but the newest `keep` builds; `current` always stays. */
  async #prune(dir: string, current: string): Promise<void> {
    const names = await readdir(dir).catch(() => [] as string[]);
    const builds = names
      .map((n) => ({ n, order: buildOrder(n) }))
      .filter((b): b is { n: string; order: [number, number] } => b.order !== null)
      .sort((a, b) => b.order[0] - a.order[0] || b.order[1] - a.order[1]);
    for (const b of builds.slice(this.#o.keep))
      if (b.n !== current) await rm(join(dir, b.n), { recursive: true, force: true });
  }
}

/** Where a log directory's build comes in the order of builds: [run, build id], a name without a
 * run (the daemon's, or a CI job's before runs were named) counting as run 0; null for what is not
 * a build's directory. */
function buildOrder(name: string): [number, number] | null {
  const m = /^(?:(\d+)\.)?(\d+)-/.exec(name);
  return m ? [Number(m[1] ?? 0), Number(m[2])] : null;
}

/** The text with each host directory replaced by what it shows instead, longest first (a build
 * directory lies inside the work directory). */
export function withoutHostPaths(
  text: string,
  hostPaths: readonly { readonly host: string; readonly shown: string }[],
): string {
  const ordered = [...hostPaths]
    .filter((h) => h.host.length > 1)
    .sort((a, b) => b.host.length - a.host.length);
  return ordered.reduce((t, h) => t.split(h.host.replace(/\/+$/, '')).join(h.shown), text);
}
