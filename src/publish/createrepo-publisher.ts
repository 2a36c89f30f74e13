import { copyFile, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PatchferryError } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import type { Publication, PublishRequest, Publisher } from '../ports/publisher.ts';
import { carryRepodata, updateRepodata } from './createrepo.ts';
import { writeLetterPage, writeStatePages, writeTreePages } from './index-pages.ts';
import { letterOf } from './md-entries.ts';
import {
  PUBLIC_KEY_FILE,
  platformPath,
  repoFileName,
  repoFileUrl,
  repoPath,
  statesPath,
  treeUrl,
  type RepoSite,
} from './layout.ts';
import { repoFile } from './repo-file.ts';
import {
  LETTERS_DIR,
  MANIFEST,
  letterText,
  packagePath,
  placement,
  readLetters,
  readState,
  repoDirOf,
  retain,
  summarize,
  type StatePackage,
  type StateSummary,
} from './repo-state.ts';
import { readRpmHeaders } from './rpm-query.ts';
import { KeyedSerial } from './serial.ts';
import type { Signer } from './signer.ts';
import {
  letterDir,
  letterLinks,
  linkLetter,
  linkOrCopy,
  liveState,
  pruneStates,
  switchTo,
  writeAtomically,
} from './state-dir.ts';

export interface CreaterepoPublisherOptions {
  /** The directory the web server serves. */
  readonly root: string;
  readonly baseUrl: string;
  /** Builds kept of each package name in each repository (`publisher.keep`); 5 when absent. */
  readonly keep?: number;
  /** Milliseconds createrepo_c may take for one repository; 10 minutes when absent. */
  readonly timeoutMs?: number;
  /** Signs packages and metadata and publishes the public key (publisher.signing); unsigned when absent. */
  readonly signer?: Signer;
  /** Carries each published state on to another host (the rsync target) once it is served here;
   * the local tree alone when absent. */
  readonly mirror?: StateMirror;
  /** The time recorded for each package published; the system clock when absent. */
  readonly now?: () => Date;
  readonly log: Logger;
}

/** The commit the state's newest build is of, beside the manifest (dot: not served, see MANIFEST). */
const HEAD = '.patchferry-head';

/** Serves elsewhere what a platform directory (relative to the root) serves locally (RsyncTarget). */
export interface StateMirror {
  mirror(served: string, signal?: AbortSignal): Promise<void>;
}

/** States kept per platform directory: the live one and the one before (a reader that resolved the
 * link just before the switch finishes its reads there). */
const STATES_KEPT = 2;

/** The serial key of the index pages above the platform directories. */
const TREE_PAGES = '\0tree-pages';

/**
 * Publishes builds into growing yum repositories, one platform directory per project/branch/platform
 * (every arch and SRPMS). Each publication prepares the next state beside the live one — hard links
 * of the packages kept, copies of the new ones, the old ones past retention removed, the metadata of
 * the package-name letters touched rewritten and the others reused (see createrepo.ts) — and switches the platform directory's
 * link to it with one rename. What is served is the old state or the new one, never a mix; an
 * aborted or failed publication leaves the old one served. Publishing a build again changes nothing.
 */
export class CreaterepoPublisher implements Publisher {
  readonly #opts: CreaterepoPublisherOptions;
  readonly #serial = new KeyedSerial();

  constructor(opts: CreaterepoPublisherOptions) {
    if (opts.keep !== undefined && !(Number.isInteger(opts.keep) && opts.keep >= 1))
      throw new RangeError(`publisher.keep must be a whole number from 1, not ${opts.keep}`);
    this.#opts = opts;
  }

  publish(req: PublishRequest): Promise<Publication> {
    const site: RepoSite = {
      channel: req.channel ?? 'builds',
      project: req.project,
      branch: req.branch,
      platform: req.platform.name,
    };
    return this.#serial.run(platformPath(site), () => this.#publish(site, req));
  }

  async publishedHead(site: RepoSite): Promise<string | null> {
    const live = await liveState(join(this.#opts.root, platformPath(site)));
    if (live === null) return null;
    try {
      const head = (await readFile(join(live, HEAD), 'utf8')).trim();
      return /^[0-9a-f]{7,64}$/.test(head) ? head : null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async #publish(site: RepoSite, req: PublishRequest): Promise<Publication> {
    const root = this.#opts.root;
    const served = join(root, platformPath(site));
    const live = await liveState(served);
    const { summary, whole } = await readState(live);
    const seq = summary.seq + 1;
    const { incoming, sources } = await this.#incoming(req, seq);
    const inBranchTree = await this.#servedByBranchTree(site, req, incoming);
    // Where each package of the live state is, by its path in the next one: a manifest of the older
    // whole form had the packages flat in each repository, and is taken over at once.
    const liveFiles = new Map<string, string>();
    const before: StatePackage[] = [];
    for (const p of whole ?? (live === null ? [] : await readLetters(live, lettersOf(incoming)))) {
      const path = whole ? packagePath(repoDirOf(p.path), p.name, basename(p.path)) : p.path;
      liveFiles.set(path, join(live as string, p.path));
      before.push({ ...p, path });
    }
    // NVRs are unique (the release policy), so a build whose files are all there was published.
    if (live !== null && incoming.every((p) => liveFiles.has(p.path)) && (await this.#hasHead(live, req))) {
      this.#opts.log.info({ ...site, build: req.buildId }, 'build already published');
      // A publication retried after the remote upload failed completes it here.
      await this.#opts.mirror?.mirror(platformPath(site), req.signal);
      return this.#publication(site, req, served, incoming, [], []);
    }
    // Retention is per package name, so only the letters of the names added change.
    const letters = lettersOf([...before, ...incoming]);
    const replaced = new Set(incoming.map((p) => p.path));
    const { kept, removed } = retain(
      [...before.filter((p) => !replaced.has(p.path)), ...incoming],
      this.#opts.keep ?? 5,
    );
    const statesDir = join(root, statesPath(site));
    const next = join(statesDir, String(seq));
    await rm(next, { recursive: true, force: true });
    await mkdir(join(next, LETTERS_DIR), { recursive: true });
    const repos = new Set([
      ...Object.keys(summary.repos),
      ...[...before, ...incoming].map((p) => repoDirOf(p.path)),
    ]);
    const made = new Map<string, StatePackage[]>();
    for (const dir of repos) {
      const links = live === null || whole ? new Map<string, string>() : await letterLinks(live, dir);
      for (const [letter, target] of links)
        if (!letters.has(letter)) await linkLetter(next, dir, letter, target);
      for (const [letter, packages] of groupBy(kept, (p) =>
        repoDirOf(p.path) === dir ? letterOf(p.name) : null,
      )) {
        const gen = letterDir(statesDir, dir, letter, seq);
        await rm(gen, { recursive: true, force: true });
        await mkdir(gen, { recursive: true });
        // Side by side in batches: a letter taken over whole can hold thousands of packages.
        for (let i = 0; i < packages.length; i += 128)
          await Promise.all(
            packages.slice(i, i + 128).map((p) => {
              const to = join(gen, basename(p.path));
              // A copy, not a link: what is done to the published file (signing) never reaches the
              // build's. A promoted file is a published one already, never written again: the same
              // file; so is the branch tree's file of this build (testing, nightly).
              if (!replaced.has(p.path)) return linkOrCopy(liveFiles.get(p.path) as string, to);
              const served = inBranchTree.get(p.path);
              if (served !== undefined) return linkOrCopy(served, to);
              const from = sources.get(p.path) as string;
              return req.promoted ? linkOrCopy(from, to) : copyFile(from, to);
            }),
          );
        await linkLetter(next, dir, letter, gen);
        made.set(gen, packages);
      }
    }
    const signer = this.#opts.signer;
    const signedSize = new Map<string, number>();
    // A promoted package was signed when first published; the metadata is signed below all the same.
    // So was one the branch tree serves: signing it again would change the file that tree serves.
    if (signer && !req.promoted) {
      await signer.signRpms(
        incoming.filter((p) => !inBranchTree.has(p.path)).map((p) => join(next, p.path)),
        req.signal,
      );
      // Signed, a package is larger: the manifest and the index pages give what is served.
      for (const p of incoming) signedSize.set(p.path, (await stat(join(next, p.path))).size);
    }
    const sized = (p: StatePackage) => ({ ...p, size: signedSize.get(p.path) ?? p.size });
    const touched = new Set([...incoming, ...removed].map((p) => repoDirOf(p.path)));
    const metadata = { ...summary.metadata };
    // The repositories of a platform are independent: their createrepo_c runs go side by side.
    await Promise.all(
      [...repos].map(async (dir) => {
        if (!touched.has(dir) && !whole) return carryRepodata(live as string, next, dir);
        const inDir = (ps: readonly StatePackage[]) =>
          ps
            .filter((p) => repoDirOf(p.path) === dir)
            .map((p) => ({ path: p.path.slice(dir.length + 1), name: p.name }));
        metadata[dir] = await updateRepodata(join(next, dir), {
          history: summary.metadata[dir] ?? [],
          liveDir: live === null ? null : join(live, dir),
          takeOver: whole !== null,
          added: inDir(incoming),
          removed: inDir([...removed, ...before.filter((p) => replaced.has(p.path))]),
          signal: req.signal,
          timeoutMs: this.#opts.timeoutMs ?? 10 * 60 * 1000,
        });
        await signer?.signRepomd(join(next, dir, 'repodata'), req.signal);
      }),
    );
    // The manifest: the letters changed written, the others linked.
    const changed = groupBy(kept, (p) => letterOf(p.name));
    for (const [letter, packages] of changed)
      await writeFile(join(next, LETTERS_DIR, `${letter}.json`), letterText(packages.map(sized)));
    if (live !== null && !whole)
      for (const f of await readdir(join(live, LETTERS_DIR)).catch(() => [] as string[]))
        if (!letters.has(f.replace(/\.json$/, '')))
          await linkOrCopy(join(live, LETTERS_DIR, f), join(next, LETTERS_DIR, f));
    const nextRepos = summarize(kept.map(sized));
    for (const [dir, byLetter] of Object.entries(summary.repos))
      for (const [letter, s] of Object.entries(byLetter))
        if (!letters.has(letter)) (nextRepos[dir] ??= {})[letter] = s;
    const nextSummary: StateSummary = { version: 2, seq, metadata, repos: nextRepos };
    await writeFile(join(next, MANIFEST), `${JSON.stringify(nextSummary, null, 1)}\n`);
    // The head switches with the packages: a nightly that reads it never skips what is not served.
    if (req.commit) await writeFile(join(next, HEAD), `${req.commit}\n`);
    await writeFile(
      join(next, repoFileName(site)),
      repoFile({ baseUrl: this.#opts.baseUrl, site, signed: signer !== undefined }),
    );
    // The key the .repo file names is in place before any repository refers to it.
    if (signer) await writeAtomically(join(root, PUBLIC_KEY_FILE), await signer.publicKey());
    const generated = (this.#opts.now?.() ?? new Date()).toISOString();
    const pages = { site, baseUrl: this.#opts.baseUrl, generated };
    for (const [gen, packages] of made)
      await writeLetterPage({ ...pages, dir: gen, packages: packages.map(sized) });
    await writeStatePages({ ...pages, stateDir: next, summary: nextSummary });
    req.signal?.throwIfAborted();
    await switchTo(served, next);
    await pruneStates(statesDir, next, STATES_KEPT);
    // The pages above the platform list what other publications make too: one writer at a time.
    await this.#serial.run(TREE_PAGES, () => writeTreePages(root, dirname(served), generated));
    await this.#opts.mirror?.mirror(platformPath(site), req.signal);
    const added = incoming.map((p) => p.path);
    const gone = removed.map((p) => p.path);
    this.#opts.log.info({ ...site, build: req.buildId, added, removed: gone }, 'repository published');
    return this.#publication(site, req, served, incoming, added, gone);
  }

  /**
   * The files of this very build (by the build id each manifest records) that the branch's own tree
   * (channel `builds`, beside this one under the root) serves, by package path: a publication to
   * another channel (testing, nightly) hard-links them rather than copying the build's RPMs again,
   * so the disk holds a build once (signed already, when signing is on). Empty for the branch
   * tree itself, for a promotion (its files are given), and for a tree of an older manifest form.
   */
  async #servedByBranchTree(
    site: RepoSite,
    req: PublishRequest,
    incoming: readonly StatePackage[],
  ): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    if (site.channel === 'builds' || req.promoted) return found;
    const live = await liveState(join(this.#opts.root, platformPath({ ...site, channel: 'builds' })));
    if (live === null || (await readState(live)).whole !== null) return found;
    const wanted = new Set(incoming.map((p) => p.path));
    for (const p of await readLetters(live, lettersOf(incoming)))
      if (p.buildId === req.buildId && wanted.has(p.path)) found.set(p.path, join(live, p.path));
    return found;
  }

  /** Whether the live state's head is the request's commit (or the request names none). */
  async #hasHead(live: string, req: PublishRequest): Promise<boolean> {
    if (!req.commit) return true;
    const head = await readFile(join(live, HEAD), 'utf8').catch(() => '');
    return head.trim() === req.commit;
  }

  /** The packages of a request as they will be recorded (each RPM in each directory it goes to),
   * and the file each comes from. */
  async #incoming(
    req: PublishRequest,
    seq: number,
  ): Promise<{ incoming: StatePackage[]; sources: Map<string, string> }> {
    const headers = await readRpmHeaders(req.rpms, req.signal);
    const publishedAt = (this.#opts.now?.() ?? new Date()).toISOString();
    const packages: StatePackage[] = [];
    const sources = new Map<string, string>();
    for (const h of headers) {
      const { size } = await stat(h.file);
      for (const dir of placement(h, req.platform.arches)) {
        sources.set(packagePath(dir, h.name, basename(h.file)), h.file);
        packages.push({
          path: packagePath(dir, h.name, basename(h.file)),
          name: h.name,
          epoch: h.epoch,
          version: h.version,
          release: h.release,
          arch: h.arch,
          source: h.source,
          summary: h.summary,
          size,
          seq,
          buildId: req.buildId,
          publishedAt,
        });
      }
    }
    const paths = packages.map((p) => p.path);
    const twice = paths.find((p, i) => paths.indexOf(p) !== i);
    if (twice !== undefined)
      throw new PatchferryError('publish_duplicate_rpm', `build ${req.buildId} has two RPMs named ${twice}`);
    return { incoming: packages, sources };
  }

  #publication(
    site: RepoSite,
    req: PublishRequest,
    served: string,
    incoming: readonly StatePackage[],
    added: string[],
    removed: string[],
  ): Publication {
    const first = req.platform.arches.find((a) => a !== 'noarch') ?? 'noarch';
    const files = new Map<string, string>();
    for (const p of incoming)
      if (!files.has(basename(p.path))) files.set(basename(p.path), join(served, p.path));
    return {
      files: [...files.values()],
      path: served,
      url: treeUrl(this.#opts.baseUrl, repoPath(site, first)),
      repoFileUrl: repoFileUrl(this.#opts.baseUrl, site),
      added,
      removed,
    };
  }
}

/** The letters of the package names. */
function lettersOf(packages: readonly StatePackage[]): Set<string> {
  return new Set(packages.map((p) => letterOf(p.name)));
}

/** Items grouped by a key (null: left out), each group in the input's order. */
function groupBy<T>(items: readonly T[], key: (item: T) => string | null): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === null) continue;
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
