import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckResult, CheckSpec, SmokeRequest, SmokeResult, Tester } from '../ports/tester.ts';
import { PatchferryError, ToolError } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import { runTool } from '../shared/run.ts';
import { runInRoot } from './root-sandbox.ts';
import type { SandboxLimits } from './sandbox-limits.ts';

export interface InstallrootTesterOptions {
  /** What each check may use (builder.limits: the same as a build's). */
  readonly limits: SandboxLimits;
  /** Where throwaway roots are made; the system's temporary directory when absent. It and the
   * directories above it must be searchable by everyone (see root-sandbox.ts). */
  readonly dir?: string;
  /** Milliseconds dnf may take to install the build; 10 minutes when absent. */
  readonly installTimeoutMs?: number;
  readonly log: Logger;
}

/** Lines of a check's or dnf's output kept for the report. */
const TAIL_LINES = 20;
const TAIL_CHARS = 2000;

/** dnf's words when a repository could not be read: the network's or the server's fault, worth a retry. */
const REPO_UNREACHABLE =
  /Failed to download metadata|Cannot download repomd|Curl error|Cannot find a valid baseurl|Status code: 5\d\d/;

/**
 * Tests a published build as a user would meet it: `dnf --installroot` installs the build's binary
 * packages (by exact NEVRA) into an empty root from the just-published repository and the platform's
 * base repositories, nothing else (no system repositories, weak dependencies off, the cache inside
 * the root), then each check runs in that root (root-sandbox.ts). The root is removed afterwards.
 * Run by a user other than root, dnf runs in a user namespace where that user is root.
 * Packages are not signature-checked here (`--nogpgcheck`): the base repositories are the platform's,
 * whose keys patchferry does not hold; the signing of what patchferry publishes is checked apart.
 */
export class InstallrootTester implements Tester {
  readonly arch = rpmArch(process.arch);
  readonly #opts: InstallrootTesterOptions;
  #slots = 0;

  constructor(opts: InstallrootTesterOptions) {
    this.#opts = opts;
  }

  async test(req: SmokeRequest): Promise<SmokeResult> {
    const packages = await binaryNevras(req.rpms, req.signal);
    if (packages.length === 0)
      throw new PatchferryError('check_nothing_to_install', 'the build has no binary package to install');
    const root = await mkdtemp(join(this.#opts.dir ?? tmpdir(), 'patchferry-root-'));
    const slot = this.#slots++;
    try {
      // bwrap opens the root's directories as the check's uid (root-sandbox.ts).
      await chmod(root, 0o755);
      const installed = await this.#install(root, req, packages);
      if (!installed.ok) return { installed: false, tail: installed.tail };
      const checks: CheckResult[] = [];
      for (const check of req.checks) checks.push(await this.#check(root, check, slot, req.signal));
      return { installed: true, packages, checks };
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }

  async #install(
    root: string,
    req: SmokeRequest,
    packages: readonly string[],
  ): Promise<{ ok: true } | { ok: false; tail: string }> {
    const args = [
      `--installroot=${root}`,
      // Only the repositories named here: none of the host's, none of the root's.
      '--setopt=reposdir=/dev/null',
      '--setopt=install_weak_deps=False',
      '--setopt=keepcache=False',
      '--nogpgcheck',
      '--assumeyes',
      '--quiet',
      ...(req.releasever ? [`--releasever=${req.releasever}`] : []),
      ...req.repos.flatMap((r) => [`--repofrompath=${r.id},${r.baseurl}`, `--repo=${r.id}`]),
      'install',
      ...packages,
    ];
    // dnf installs as root only; anyone else runs it as root of a user namespace of their own (as
    // rootless mock does): the root's files are then theirs, which is all a throwaway root needs.
    const [tool, ...full] =
      process.getuid?.() === 0 ? ['dnf', ...args] : ['unshare', '--map-root-user', 'dnf', ...args];
    try {
      await runTool(tool as string, full, {
        signal: req.signal,
        timeoutMs: this.#opts.installTimeoutMs ?? 10 * 60 * 1000,
        label: 'dnf install',
        env: { PATH: '/usr/bin:/bin:/usr/sbin:/sbin', LANG: 'C.UTF-8' },
      });
      return { ok: true };
    } catch (err) {
      if (!(err instanceof ToolError) || err.outcome !== 'failed') throw err;
      if (REPO_UNREACHABLE.test(err.output))
        throw new PatchferryError(
          'check_repo_unreachable',
          `dnf could not read a repository to install the build from: ${tail(err.output)}`,
          { retryable: true, cause: err },
        );
      this.#opts.log.info({ packages }, 'build does not install');
      return { ok: false, tail: tail(err.output) };
    }
  }

  async #check(root: string, check: CheckSpec, slot: number, signal?: AbortSignal): Promise<CheckResult> {
    const started = Date.now();
    const seconds = () => Math.round((Date.now() - started) / 100) / 10;
    try {
      const { output } = await runInRoot(check.run, {
        root,
        limits: this.#opts.limits,
        timeoutMs: check.timeoutMs,
        label: `check ${check.name}`,
        slot,
        ...(signal ? { signal } : {}),
      });
      return { name: check.name, passed: true, failure: null, tail: tail(output), seconds: seconds() };
    } catch (err) {
      if (!(err instanceof ToolError) || err.outcome === 'aborted') throw err;
      const failure =
        err.outcome === 'timeout'
          ? `timed out after ${Math.round(check.timeoutMs / 1000)} s`
          : (/\((exit \d+|SIG[A-Z]+)\)/.exec(err.message)?.[1] ?? 'failed');
      return { name: check.name, passed: false, failure, tail: tail(err.output), seconds: seconds() };
    }
  }
}

/** The exact `name-epoch:version-release.arch` of each binary package among `rpms`, debug
 * information left out (nothing a user installs to use the package). */
async function binaryNevras(rpms: readonly string[], signal?: AbortSignal): Promise<string[]> {
  if (rpms.length === 0) return [];
  const { stdout } = await runTool(
    'rpm',
    [
      '-qp',
      '--nosignature',
      '--nodigest',
      '--qf',
      '%{NAME}\\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}.%{ARCH}\\t%|SOURCERPM?{binary}:{source}|\\n',
      '--',
      ...rpms,
    ],
    { signal, timeoutMs: 60_000, label: 'rpm -qp' },
  );
  return stdout
    .split('\n')
    .map((l) => l.split('\t'))
    .filter(([name, , kind]) => kind === 'binary' && name && !/-debug(info|source)$/.test(name))
    .map(([name, evra]) => `${name}-${evra}`);
}

/** RPM's name for a Node.js `process.arch`. */
function rpmArch(arch: string): string {
  const names: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ppc64: 'ppc64le', ia32: 'i686' };
  return names[arch] ?? arch;
}

/** The last lines of an output, as the report shows them. */
export function tail(output: string): string {
  const lines = output.trimEnd().split('\n').slice(-TAIL_LINES).join('\n');
  return lines.length > TAIL_CHARS ? `…${lines.slice(-TAIL_CHARS)}` : lines;
}
