import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { z } from 'zod';
import type { Repository } from '../ports/repository.ts';
import type { SourcePackage, SourcePackager, SourceRequest } from '../ports/builder.ts';
import { releaseFor, rewriteRelease } from '../rpm/release.ts';
import { sourceLayout, specPattern } from '../rpm/spec.ts';
import { PatchferryError, ToolError, errorMessage } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import { runTool } from '../shared/run.ts';
import { SandboxLimitError, type Sandbox, type SandboxMount, type SandboxRunOptions } from './sandbox.ts';

export interface SrpmPackagerOptions {
  readonly repository: Repository;
  /** Where rpmspec and rpmbuild run: they evaluate the spec's macros, `%(…)` shell included. */
  readonly sandbox: Sandbox;
  /** SRPMs are kept under `<dir>/<project>/<commit>-<policy>/`. */
  readonly dir: string;
  readonly log: Logger;
  /** Milliseconds rpmspec and `rpmbuild -bs` may take each; 10 minutes when absent. */
  readonly timeoutMs?: number;
}

const made = z.object({ path: z.string(), name: z.string(), version: z.string(), release: z.string() });

/**
 * Makes a commit's SRPM with the local rpmbuild: the tree exported from the mirror, the spec's
 * Release rewritten by the release policy, Source0 made from the tree at the spec's expected prefix
 * (`tar` sorted, owned by root, dated at the commit, as `git archive` would), then `rpmbuild -bs`
 * with an empty %{dist} (each target's dist is applied when it rebuilds the SRPM). Kept per project
 * and commit: a second request, here or in a later process, gets the first one's package.
 */
export class SrpmPackager implements SourcePackager {
  readonly #o: SrpmPackagerOptions;
  readonly #inFlight = new Map<string, Promise<SourcePackage>>();

  constructor(o: SrpmPackagerOptions) {
    this.#o = o;
  }

  make(req: SourceRequest): Promise<SourcePackage> {
    const dir = join(this.#o.dir, req.project, `${req.commit}-${req.release}`);
    const running = this.#inFlight.get(dir);
    if (running) return running;
    const p = this.#cachedOrMake(dir, req).finally(() => this.#inFlight.delete(dir));
    this.#inFlight.set(dir, p);
    return p;
  }

  async #cachedOrMake(dir: string, req: SourceRequest): Promise<SourcePackage> {
    const cached = await readMade(dir);
    if (cached) return cached;
    const work = `${dir}.tmp-${randomUUID().slice(0, 8)}`;
    try {
      const pkg = await this.#make(work, req);
      const final = join(work, 'final');
      await mkdir(final);
      await rename(pkg.path, join(final, basename(pkg.path)));
      const result = { ...pkg, path: join(dir, basename(pkg.path)) };
      await writeFile(join(final, 'srpm.json'), JSON.stringify(result));
      // Renamed into place whole: a reader sees a finished package or none. Another process that
      // made it first wins; its package is as good as this one.
      await rename(final, dir).catch(async (err: unknown) => {
        if (!(await readMade(dir))) throw err;
      });
      return (await readMade(dir)) ?? result;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  async #make(work: string, req: SourceRequest): Promise<SourcePackage> {
    const log = this.#o.log.child({ project: req.project, commit: req.commit });
    const tree = join(work, 'tree');
    const top = join(work, 'top');
    await this.#o.repository.exportTree(req.project, req.gitUrl, req.commit, tree);
    await mkdir(top, { recursive: true });
    const hostSpec = await findSpec(tree, req.spec);
    // rpmspec and rpmbuild see the tree read-only and write only the SRPM's directory (sandbox.ts).
    const source: SandboxMount = { host: tree, inside: '/source' };
    const build: SandboxMount = { host: top, inside: '/build', writable: true };
    const spec = join(this.#o.sandbox.path(source), relative(tree, hostSpec));
    const run = {
      mounts: [build, source],
      signal: req.signal,
      timeoutMs: this.#o.timeoutMs ?? 10 * 60 * 1000,
    };
    const noDist = ['--define', 'dist %{nil}'];
    const [name, version, specRelease] = await this.#query(spec, noDist, run);
    const commit = await this.#o.repository.commitFacts(req.project, req.gitUrl, req.commit);
    const release = releaseFor(req.release, specRelease, commit);
    if (release !== specRelease)
      await writeFile(hostSpec, rewriteRelease(await readFile(hostSpec, 'utf8'), release));
    const parsed = await this.#rpm('rpmspec', ['-P', ...noDist, spec], run);
    const layout = sourceLayout(parsed, `${name}-${version}`);
    if (layout && !existsSync(join(tree, layout.tarball))) {
      const staged = join(work, layout.tarball);
      const date = `@${Math.floor(commit.date / 1000)}`;
      const reproducible = ['--sort=name', `--mtime=${date}`, '--owner=0', '--group=0', '--numeric-owner'];
      const transform = ['--transform', `s,^\\.,${layout.prefix},`];
      const tar = ['-c', ...layout.compress, '-f', staged, ...reproducible, ...transform, '-C', tree, '.'];
      await runTool('tar', tar, { signal: req.signal });
      await rename(staged, join(tree, layout.tarball));
    }
    const inside = this.#o.sandbox.path(build);
    const defines = [
      '--define',
      `_topdir ${inside}`,
      '--define',
      `_sourcedir ${this.#o.sandbox.path(source)}`,
    ];
    await this.#rpm('rpmbuild', ['-bs', ...defines, ...noDist, spec], run);
    const srpm = (await readdir(join(top, 'SRPMS'))).find((f) => f.endsWith('.src.rpm'));
    if (!srpm) throw new PatchferryError('srpm_missing', `rpmbuild -bs of ${basename(spec)} wrote no SRPM`);
    log.info({ srpm, release }, 'SRPM made');
    return { path: join(top, 'SRPMS', srpm), name, version, release };
  }

  async #query(spec: string, defines: string[], run: SandboxRunOptions): Promise<[string, string, string]> {
    const out = await this.#rpm(
      'rpmspec',
      ['-q', '--srpm', ...defines, '--qf', '%{name}\\n%{version}\\n%{release}\\n', spec],
      run,
    );
    const [name, version, release] = out.trim().split('\n');
    if (!name || !version || !release)
      throw new PatchferryError('srpm_spec_invalid', `rpmspec could not read ${basename(spec)}: ${out}`);
    return [name, version, release];
  }

  /** rpmspec or rpmbuild in the sandbox; a spec they refuse is the patch's fault (not retryable),
   * a stopped or timed-out run, or a missing sandbox, the machine's. */
  async #rpm(tool: 'rpmbuild' | 'rpmspec', args: string[], run: SandboxRunOptions): Promise<string> {
    try {
      return (await this.#o.sandbox.run(tool, args, run)).stdout;
    } catch (err) {
      const refused =
        err instanceof ToolError && err.outcome === 'failed' && /failed \(exit \d+\)/.test(err.message);
      if (refused || err instanceof SandboxLimitError)
        throw new PatchferryError('srpm_spec_invalid', `${tool} refused the spec: ${errorMessage(err)}`, {
          cause: err,
        });
      throw err;
    }
  }
}

async function readMade(dir: string): Promise<SourcePackage | null> {
  const text = await readFile(join(dir, 'srpm.json'), 'utf8').catch(() => null);
  if (text === null) return null;
  const parsed = made.safeParse(JSON.parse(text));
  return parsed.success && existsSync(parsed.data.path) ? parsed.data : null;
}

/** The spec file of a tree: `spec` itself, or the one top-level file its glob matches. */
export async function findSpec(tree: string, spec: string): Promise<string> {
  const pattern = specPattern(spec);
  if (!pattern) return join(tree, spec);
  const found = (await readdir(tree)).filter((f) => pattern.test(f));
  if (found.length !== 1) {
    throw new PatchferryError(
      'srpm_spec_missing',
      `expected one spec file matching ${spec} at the top of the repository, found ${found.length}: set "spec" in the project's configuration`,
    );
  }
  return join(tree, found[0] as string);
}
