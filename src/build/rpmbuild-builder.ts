import { copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from '../shared/log.ts';
import { ToolError, errorMessage } from '../shared/errors.ts';
import { runTool } from '../shared/run.ts';
import type { BuildRequest, BuildResult, Builder } from '../ports/builder.ts';
import type { Sandbox, SandboxMount } from './sandbox.ts';

export interface RpmbuildBuilderOptions {
  readonly log: Logger;
  /** Where rpmbuild and rpmspec run: they execute the spec's code (macros, %build, Makefiles). */
  readonly sandbox: Sandbox;
  /** Milliseconds one rpmbuild may run, its compilers and test suite included; 2 hours when absent. */
  readonly timeoutMs?: number;
}

/** Builds with the local `rpmbuild`: the embedded default, for the host's own architecture.
 * A build that fails returns `ok: false`; one stopped by the request's signal or by the time limit
 * rejects with the ToolError (`rpmbuild_aborted`, `rpmbuild_timeout`), its log written all the same,
 * because a stopped build says nothing about the package. */
export class RpmbuildBuilder implements Builder {
  readonly #log: Logger;
  readonly #timeoutMs: number;
  readonly #sandbox: Sandbox;
  #hostArch: Promise<string> | null = null;

  constructor(opts: RpmbuildBuilderOptions) {
    this.#log = opts.log;
    this.#timeoutMs = opts.timeoutMs ?? 2 * 60 * 60 * 1000;
    this.#sandbox = opts.sandbox;
  }

  async logTail(logPath: string, lines: number): Promise<string | null> {
    const text = await readFile(logPath, 'utf8').catch(() => null);
    return text === null ? null : text.trimEnd().split('\n').slice(-lines).join('\n');
  }

  async build(req: BuildRequest): Promise<BuildResult> {
    const log = this.#log.child({ project: req.project, branch: req.branch, platform: req.platform.name });
    const hostArch = await this.#arch();
    if (req.platform.arch !== hostArch && req.platform.arch !== 'noarch') {
      return {
        ok: false,
        logPath: null,
        error: `local rpmbuild builds for ${hostArch} only, not ${req.platform.arch}: configure the koji builder for other architectures`,
      };
    }
    await rm(req.outDir, { recursive: true, force: true });
    await mkdir(req.outDir, { recursive: true });
    const logPath = join(req.outDir, 'build.log');
    try {
      const hostSpec = await findSpec(req.tree, req.spec);
      // The build sees its tree read-only and writes only under its out directory (sandbox.ts).
      const source: SandboxMount = { host: req.tree, inside: '/source' };
      const build: SandboxMount = { host: req.outDir, inside: '/build', writable: true };
      const spec = join(this.#sandbox.path(source), basename(hostSpec));
      const defines = [
        '--define',
        `_topdir ${this.#sandbox.path(build)}`,
        '--define',
        `_sourcedir ${this.#sandbox.path(source)}`,
        '--define',
        `dist ${req.platform.dist}`,
      ];
      await this.#makeSourceTarball(
        spec,
        req.tree,
        defines,
        [source, { ...build, writable: false }],
        req.signal,
      );
      // Debian and other non-RPM hosts have an empty RPM database: BuildRequires cannot be checked there.
      const nodeps = (await hasRpmDatabase()) ? [] : ['--nodeps'];
      log.info({ commit: req.commit }, 'rpmbuild started');
      const target = req.platform.arch === 'noarch' ? hostArch : req.platform.arch;
      const args = ['-ba', ...nodeps, ...defines, '--target', target, spec];
      const result = await this.#sandbox
        .run('rpmbuild', args, {
          mounts: [build, source],
          signal: req.signal,
          timeoutMs: this.#timeoutMs,
        })
        .catch(async (err: unknown) => {
          await writeFile(logPath, err instanceof ToolError ? err.output : errorMessage(err));
          throw err;
        });
      await writeFile(logPath, result.output);
      const rpms = await listRpms(join(req.outDir, 'RPMS'));
      const srpm = (await listRpms(join(req.outDir, 'SRPMS')))[0] ?? null;
      log.info({ rpms: rpms.map((r) => basename(r)) }, 'rpmbuild succeeded');
      return { ok: true, rpms, srpm, logPath };
    } catch (err) {
      if (err instanceof ToolError && err.outcome !== 'failed') {
        log.warn({ err: errorMessage(err), outcome: err.outcome }, 'rpmbuild stopped');
        throw err;
      }
      log.warn({ err: errorMessage(err) }, 'rpmbuild failed');
      return { ok: false, error: errorMessage(err), logPath };
    }
  }

  /** Source0 is made from the tree itself, named as the spec expects, with the usual name-version/ prefix. */
  async #makeSourceTarball(
    spec: string,
    tree: string,
    defines: string[],
    mounts: readonly SandboxMount[],
    signal?: AbortSignal,
  ): Promise<void> {
    // rpmspec evaluates the spec's macros, %(shell) and %{lua:} included: sandboxed like the build.
    const rpmspec = (args: string[]) =>
      this.#sandbox.run('rpmspec', args, { mounts, signal, timeoutMs: 60_000 });
    const parsed = (await rpmspec(['-P', ...defines, spec])).stdout;
    const source = /^Source0?:\s*(\S+)\s*$/im.exec(parsed)?.[1];
    if (!source) throw new ToolError('rpmspec', `${basename(spec)} has no Source0 line`, parsed);
    const nv = (
      await rpmspec(['-q', '--srpm', ...defines, '--qf', '%{name}-%{version}\n', spec])
    ).stdout.trim();
    const tarball = basename(source);
    // Beside the tree, not in it (tar would read its own output), and named for the tree: builds of
    // the same project for other targets run at once beside it.
    const staging = join(tree, '..', `${basename(tree)}.${tarball}`);
    const compress = /\.(tgz|tar\.gz)$/.test(tarball)
      ? ['-z']
      : /\.tar\.xz$/.test(tarball)
        ? ['-J']
        : /\.tar\.bz2$/.test(tarball)
          ? ['-j']
          : [];
    const tar = ['-c', ...compress, '-f', staging, '--transform', `s,^\\.,${nv},`, '-C', tree, '.'];
    await runTool('tar', tar, { signal });
    await copyFile(staging, join(tree, tarball));
    await rm(staging);
  }

  #arch(): Promise<string> {
    this.#hostArch ??= runTool('rpm', ['--eval', '%{_arch}']).then((r) => r.output.trim());
    return this.#hostArch;
  }
}

async function findSpec(tree: string, spec: string): Promise<string> {
  if (!spec.includes('*')) return join(tree, spec);
  const pattern = new RegExp(`^${spec.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  const found = (await readdir(tree)).filter((f) => pattern.test(f));
  if (found.length !== 1) {
    throw new ToolError(
      'rpmbuild',
      `expected one spec file matching ${spec} at the top of the repository, found ${found.length}: set "spec" in the project's configuration`,
      '',
    );
  }
  return join(tree, found[0] as string);
}

async function listRpms(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.rpm'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

async function hasRpmDatabase(): Promise<boolean> {
  const { output } = await runTool('rpm', ['-qa']).catch(() => ({ output: '' }));
  return output.trim().length > 0;
}
