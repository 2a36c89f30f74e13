import { availableParallelism } from 'node:os';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ArchBuild, BuildProgress, BuildRequest, BuildResult, Builder } from '../ports/builder.ts';
import { classifyFailure, type BuildFailure, type FailureCause } from '../rpm/failure.ts';
import { buildableArches, distMacros } from '../rpm/target.ts';
import { PatchferryError, ToolError, errorMessage } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import { runTool } from '../shared/run.ts';
import { Slots } from '../shared/slots.ts';
import { SandboxLimitError, type Sandbox, type SandboxMount } from './sandbox.ts';

export interface RpmbuildBuilderOptions {
  readonly log: Logger;
  /** Where rpmbuild runs: it executes the spec's code (macros, %build, Makefiles). */
  readonly sandbox: Sandbox;
  /** Milliseconds one arch's rpmbuild may run, its compilers and test suite included; 2 hours when absent. */
  readonly timeoutMs?: number;
  /** rpmbuild runs at once across every build of this process; the machine's cores when absent. */
  readonly concurrency?: number;
}

/** Bytes of rpmbuild's output kept: the whole log of any sane build. */
const LOG_BYTES = 64 << 20;

/**
 * Builds with the local `rpmbuild --rebuild` from the commit's SRPM, each arch of the target the
 * host can build (its own and `noarch`) with the target's %{dist}; the others are reported as
 * skipped, never faked. Finishes in `start`. A failed build is a result classed by
 * src/rpm/failure.ts (a timeout is the infrastructure's); a build stopped by the request's signal
 * rejects with the ToolError (`rpmbuild_aborted`), because a stopped build says nothing.
 */
export class RpmbuildBuilder implements Builder {
  readonly #log: Logger;
  readonly #timeoutMs: number;
  readonly #slots: Slots;
  readonly #sandbox: Sandbox;
  #hostArch: Promise<string> | null = null;
  #rpmDatabase: Promise<boolean> | null = null;

  constructor(opts: RpmbuildBuilderOptions) {
    this.#log = opts.log;
    this.#timeoutMs = opts.timeoutMs ?? 2 * 60 * 60 * 1000;
    this.#slots = new Slots(opts.concurrency ?? availableParallelism());
    this.#sandbox = opts.sandbox;
  }

  async logTail(log: string, lines: number): Promise<string | null> {
    const text = await readFile(log, 'utf8').catch(() => null);
    return text === null ? null : text.trimEnd().split('\n').slice(-lines).join('\n');
  }

  check(handle: string): Promise<BuildProgress> {
    return Promise.reject(
      new PatchferryError(
        'build_handle_unknown',
        `local rpmbuild finishes its builds in start; "${handle}" is another builder's build: configure that builder again`,
      ),
    );
  }

  cancel(): Promise<void> {
    return Promise.resolve();
  }

  async start(req: BuildRequest): Promise<BuildProgress> {
    const hostArch = await this.#arch();
    const { build } = buildableArches(req.target, hostArch);
    await rm(req.outDir, { recursive: true, force: true });
    await mkdir(req.outDir, { recursive: true });
    const built = new Map<string, { arch: ArchBuild; failure: BuildFailure | null }>();
    await Promise.all(
      build.map(async (arch) =>
        built.set(arch, await this.#slots.run(() => this.#buildArch(req, arch, hostArch))),
      ),
    );
    const arches = req.target.arches.map(
      (arch): ArchBuild =>
        built.get(arch)?.arch ?? {
          arch,
          state: 'skipped',
          rpms: [],
          log: null,
          reason: `local rpmbuild builds for ${hostArch} and noarch only: configure the koji builder for ${arch}`,
        },
    );
    const failed = arches.find((a) => a.state === 'failed');
    const failure =
      (failed && built.get(failed.arch)?.failure) ??
      (build.length === 0
        ? {
            class: 'infrastructure' as const,
            message: `local rpmbuild cannot build any arch of ${req.target.name} (${req.target.arches.join(', ')}) on this ${hostArch} machine: configure the koji builder`,
            errorLines: [],
            arch: null,
          }
        : null);
    const result: BuildResult = {
      state: failure ? 'failed' : 'succeeded',
      arches,
      srpm: req.srpm.path,
      log: (failed ?? arches.find((a) => a.log))?.log ?? null,
      failure,
      taskId: null,
    };
    return { done: result };
  }

  async #buildArch(
    req: BuildRequest,
    arch: string,
    hostArch: string,
  ): Promise<{ arch: ArchBuild; failure: BuildFailure | null }> {
    const log = this.#log.child({ project: req.project, target: req.target.name, arch });
    const top = join(req.outDir, arch);
    const logPath = join(req.outDir, `build.${arch}.log`);
    await mkdir(top, { recursive: true });
    // The build writes only its own arch's directory and sees the SRPM read-only (sandbox.ts).
    const build: SandboxMount = { host: top, inside: '/build', writable: true };
    const source: SandboxMount = { host: dirname(req.srpm.path), inside: '/srpm' };
    const srpm = join(this.#sandbox.path(source), basename(req.srpm.path));
    const macros = {
      _topdir: this.#sandbox.path(build),
      dist: req.target.dist,
      ...distMacros(req.target.dist),
    };
    const defines = Object.entries(macros).flatMap(([k, v]) => ['--define', `${k} ${v}`]);
    // Debian and other non-RPM hosts have an empty RPM database: BuildRequires cannot be checked there.
    const nodeps = (await this.#hasRpmDatabase()) ? [] : ['--nodeps'];
    const args = ['--rebuild', ...nodeps, ...defines, '--target', arch === 'noarch' ? hostArch : arch, srpm];
    log.info({ commit: req.commit, srpm: basename(req.srpm.path) }, 'rpmbuild started');
    try {
      const result = await this.#sandbox.run('rpmbuild', args, {
        mounts: [build, source],
        signal: req.signal,
        timeoutMs: this.#timeoutMs,
        keepBytes: LOG_BYTES,
        label: `rpmbuild --rebuild (${req.target.name} ${arch})`,
      });
      await writeFile(logPath, result.output);
      const rpms = await listRpms(join(top, 'RPMS'));
      log.info({ rpms: rpms.map((r) => basename(r)) }, 'rpmbuild succeeded');
      return { arch: { arch, state: 'succeeded', rpms, log: logPath, reason: null }, failure: null };
    } catch (err) {
      const output = err instanceof ToolError ? err.output : errorMessage(err);
      await writeFile(logPath, output);
      if (err instanceof ToolError && err.outcome === 'aborted') throw err;
      const failure = classifyFailure({
        cause: causeOf(err),
        message: errorMessage(err),
        buildLog: output,
        arch,
      });
      log.warn({ err: errorMessage(err), class: failure.class }, 'rpmbuild failed');
      return { arch: { arch, state: 'failed', rpms: [], log: logPath, reason: failure.message }, failure };
    }
  }

  #arch(): Promise<string> {
    this.#hostArch ??= runTool('rpm', ['--eval', '%{_arch}']).then((r) => r.output.trim());
    return this.#hostArch;
  }

  #hasRpmDatabase(): Promise<boolean> {
    this.#rpmDatabase ??= runTool('rpm', ['-qa'])
      .then((r) => r.output.trim().length > 0)
      .catch(() => false);
    return this.#rpmDatabase;
  }
}

/** A timeout, or a failure that is not rpmbuild's exit (it could not start, its sandbox is
 * missing), is the machine's; an exit is the package's unless its log says otherwise. */
function causeOf(err: unknown): FailureCause {
  if (err instanceof SandboxLimitError) return 'exit';
  if (err instanceof ToolError) {
    if (err.outcome === 'timeout') return 'timeout';
    return /failed \(exit \d+\)/.test(err.message) ? 'exit' : 'builder-died';
  }
  if (err instanceof PatchferryError && /sandbox|bwrap/.test(err.code)) return 'sandbox-missing';
  return 'builder-died';
}

async function listRpms(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.rpm'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}
