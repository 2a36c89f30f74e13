import { access, readdir, readlink } from 'node:fs/promises';
import { basename, dirname, join, posix, relative, resolve } from 'node:path';
import type { Logger } from '../shared/log.ts';
import { runTool } from '../shared/run.ts';
import { CHANNELS, LOGS_DIR, PUBLIC_KEY_FILE, type Channel } from './layout.ts';
import { INDEX } from './index-pages.ts';
import { remoteSequence } from './remote-quote.ts';
import { SHARED_PACKAGES } from './state-dir.ts';
import { remoteError, rsyncRsh, sshOptions, type SshEndpoint } from './ssh-command.ts';

export interface RsyncTargetOptions extends SshEndpoint {
  /** The local tree publications are prepared in (publisher.root). */
  readonly root: string;
  /** The absolute directory on the remote host its httpd serves. */
  readonly path: string;
  /** Milliseconds one rsync or ssh run may take; 30 minutes when absent. */
  readonly timeoutMs?: number;
  readonly log: Logger;
}

/**
 * Carries a platform directory's live state from the local tree to a remote httpd host, the same way
 * it was switched in locally: the state is uploaded beside the remote's live one (rsync
 * `--link-dest` against the states kept there, so unchanged packages become hard links and only new
 * files cross the network), then the remote platform directory is switched to it by one rename of
 * a symbolic link, and the states no longer kept locally are removed there too. The public key goes
 * up before the switch (the .repo file names it), the index pages above the platform after it.
 *
 * rsync runs with `--protect-args` (sent over its protocol, never through the remote shell), and
 * the one remote command line is built by remote-quote.ts: no path reaches a shell unquoted.
 * Mirroring again converges: what is there already is not sent, so a publication retried after a
 * network failure completes the upload.
 */
export class RsyncTarget {
  readonly #opts: RsyncTargetOptions;

  constructor(opts: RsyncTargetOptions) {
    if (!posix.isAbsolute(opts.path))
      throw new RangeError(`publisher.target.path must be absolute on the remote host, not ${opts.path}`);
    sshOptions(opts); // refuses unusable paths now, not at the first publication
    this.#opts = opts;
  }

  /**
   * Makes the remote serve what the local platform directory `served` (relative to the root, e.g.
   * `hello/master/fc41`) links to. Errors: `publish_remote_host_key`, `publish_remote_auth`,
   * `publish_remote_failed` (not retryable), `publish_remote_network`, `publish_remote_timeout`
   * (retryable); the remote keeps serving its old state on any of them.
   */
  async mirror(served: string, signal?: AbortSignal): Promise<void> {
    const { root } = this.#opts;
    const link = await readlink(join(root, served));
    const state = relative(root, resolve(dirname(join(root, served)), link));
    const states = dirname(state);
    const kept = (await readdir(join(root, states))).filter((n) => /^\d+$/.test(n));
    const shared = join(states, SHARED_PACKAGES);
    const hasShared = await exists(join(root, shared));
    const started = Date.now();
    // The package directories the new state links to go first, each file hard-linked (-H) to the
    // copy already there when it is one of the live state's.
    if (hasShared)
      await this.#rsync(
        'uploading the packages',
        ['--hard-links', `${join(root, shared)}/`, this.#remote(`${shared}/`)],
        signal,
      );
    await this.#rsync(
      'uploading the state',
      [
        '--delete',
        ...kept.filter((n) => n !== basename(state)).map((n) => `--link-dest=../${n}`),
        `${join(root, state)}/`,
        this.#remote(`${state}/`),
      ],
      signal,
    );
    if (await exists(join(root, PUBLIC_KEY_FILE)))
      await this.#rsync('uploading the public key', [join(root, PUBLIC_KEY_FILE), this.#remote('')], signal);
    await this.#ssh(
      'switching the platform directory',
      switchCommand(this.#opts.path, served, link, kept),
      signal,
    );
    // Once no state served there uses them, the package directories removed here go there too.
    if (hasShared)
      await this.#rsync(
        'pruning the packages',
        ['--hard-links', '--delete', `${join(root, shared)}/`, this.#remote(`${shared}/`)],
        signal,
      );
    await this.#pagesAbove(served, signal);
    // The platform's build logs again: one whose own upload failed (the host was down when its build
    // finished) reaches the host with the next publication of the platform.
    const [first, ...rest] = served.split('/');
    const logs = join(LOGS_DIR, ...(CHANNELS.includes(first as Channel) ? rest : [served]));
    if (await exists(join(root, logs))) await this.mirrorDirectory(logs, signal);
    this.#opts.log.info(
      { host: this.#opts.host, served, state, ms: Date.now() - started },
      'state mirrored to the remote host',
    );
  }

  /**
   * Makes a directory of plain files under the root (a platform's build logs, `logs/p/b/fc41`) the
   * same on the remote: new files uploaded, files gone here removed there; the index pages above it
   * follow. Each file appears whole (rsync writes a temporary and renames it). Errors as `mirror`.
   */
  async mirrorDirectory(dir: string, signal?: AbortSignal): Promise<void> {
    await this.#rsync(
      `uploading ${dir}`,
      ['--delete', `${join(this.#opts.root, dir)}/`, this.#remote(`${dir}/`)],
      signal,
    );
    await this.#pagesAbove(dir, signal, { own: true });
  }

  /** Uploads the index pages of the directories above `dir` (relative to the root) that have one,
   * and with `own` the page of `dir` itself (a plain directory: a served platform directory is a
   * link the switch replaces): they list it, and a host without directory listings serves only
   * them. Compared by content (`--checksum`): a page rewritten within the same second at the same
   * size (its date changed, or one entry for another) passes rsync's size-and-seconds check, and
   * the remote kept the old page. */
  async #pagesAbove(dir: string, signal?: AbortSignal, { own = false } = {}): Promise<void> {
    const { root } = this.#opts;
    const pages: string[] = [];
    for (let at = own ? dir : dirname(dir); ; at = dirname(at)) {
      const page = at === '.' ? INDEX : `${at}/${INDEX}`;
      if (await exists(join(root, page))) pages.push(`${root}/./${page}`);
      if (at === '.') break;
    }
    if (pages.length > 0)
      await this.#rsync(
        'uploading the index pages',
        ['--relative', '--checksum', ...pages, this.#remote('')],
        signal,
      );
  }

  #remote(relativePath: string): string {
    const host = this.#opts.host.includes(':') ? `[${this.#opts.host}]` : this.#opts.host;
    return `${this.#opts.user}@${host}:${posix.join(this.#opts.path, relativePath)}${relativePath.endsWith('/') ? '/' : ''}`;
  }

  async #rsync(doing: string, args: readonly string[], signal?: AbortSignal): Promise<void> {
    await this.#run(
      'rsync',
      ['--archive', '--protect-args', '--mkpath', `--rsh=${rsyncRsh(this.#opts)}`, ...args],
      doing,
      signal,
    );
  }

  async #ssh(doing: string, command: string, signal?: AbortSignal): Promise<void> {
    await this.#run('ssh', [...sshOptions(this.#opts), this.#opts.host, '--', command], doing, signal);
  }

  async #run(tool: string, args: readonly string[], doing: string, signal?: AbortSignal): Promise<void> {
    try {
      await runTool(tool, args, {
        timeoutMs: this.#opts.timeoutMs ?? 30 * 60 * 1000,
        label: `${tool} (${doing})`,
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      throw remoteError(err, this.#opts, doing);
    }
  }
}

/**
 * The remote command that serves `served` from the state its link text names (the same relative
 * text as the local link) with one rename, then removes the states not in `kept`. Every argument is
 * quoted by remote-quote.ts; `base` is absolute, so no path can read as an option. `mv -T` is GNU
 * coreutils': it replaces the link itself rather than moving into the directory it points to.
 */
export function switchCommand(base: string, served: string, link: string, kept: readonly string[]): string {
  const platform = posix.join(base, served);
  const tmp = `${platform}.next-${process.pid}`;
  const states = posix.join(dirname(platform), link, '..');
  return remoteSequence([
    ['mkdir', '-p', '--', dirname(platform)],
    ['rm', '-f', '--', tmp],
    ['ln', '-s', '--', link, tmp],
    ['mv', '-T', '--', tmp, platform],
    [
      'find',
      states,
      '-mindepth',
      '1',
      '-maxdepth',
      '1',
      ...[...kept, SHARED_PACKAGES].flatMap((n) => ['!', '-name', n]),
      '-exec',
      'rm',
      '-rf',
      '--',
      '{}',
      '+',
    ],
  ]);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
