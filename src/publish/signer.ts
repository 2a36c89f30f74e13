import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PatchferryError } from '../shared/errors.ts';
import { runTool } from '../shared/run.ts';
import { unlinkIfPresent } from './state-dir.ts';

export interface SigningOptions {
  /** The GnuPG home holding the secret key. */
  readonly gnupgHome: string;
  /** The key's fingerprint (40 hex digits). */
  readonly fingerprint: string;
  /** The key's passphrase, from the environment variable `publisher.signing.passphraseEnv`; null
   * for a key without one. Never logged, never on a command line: gpg reads it from a file of
   * this process's own (mode 0600, removed at once). */
  readonly passphrase: string | null;
  readonly timeoutMs?: number;
}

/**
 * Signs packages with rpmsign and repository metadata with gpg, with one key. Debian's rpm points
 * `%__gpg` at /usr/bin/gpg2, which does not exist there (../shared/notes/koji.md): the macro is
 * set to gpg's real path. Errors: ToolError `rpmsign_*`, `gpg_*`; a missing key fails there with
 * gpg's own words.
 */
export class Signer {
  readonly #opts: SigningOptions;

  constructor(opts: SigningOptions) {
    if (!/^[0-9A-Fa-f]{40}$/.test(opts.fingerprint))
      throw new PatchferryError(
        'publish_signing_key',
        `publisher.signing.fingerprint must be a key's 40-digit fingerprint (gpg --list-keys --with-colons), not "${opts.fingerprint}"`,
      );
    this.#opts = opts;
  }

  /** Adds a signature to each RPM, in place (`rpmsign --addsign`). */
  async signRpms(files: readonly string[], signal?: AbortSignal): Promise<void> {
    if (files.length === 0) return;
    await this.#withPassphrase(async (gpgArgs) => {
      await runTool(
        'rpmsign',
        [
          '--addsign',
          '--define',
          '__gpg /usr/bin/gpg',
          '--define',
          `_gpg_name ${this.#opts.fingerprint}`,
          '--define',
          `_gpg_path ${this.#opts.gnupgHome}`,
          '--define',
          `_gpg_sign_cmd_extra_args ${gpgArgs.join(' ')}`,
          '--',
          ...files,
        ],
        { env: this.#env(), signal, timeoutMs: this.#opts.timeoutMs ?? 5 * 60 * 1000 },
      );
    });
  }

  /** Writes `repomd.xml.asc`, an armored detached signature of `repodata/repomd.xml`, as dnf's
   * repo_gpgcheck reads it. The old one goes first: it may be a link shared with the live state. */
  async signRepomd(repodata: string, signal?: AbortSignal): Promise<void> {
    const asc = join(repodata, 'repomd.xml.asc');
    await unlinkIfPresent(asc);
    await this.#withPassphrase((gpgArgs) =>
      runTool(
        'gpg',
        [
          ...gpgArgs,
          '--local-user',
          this.#opts.fingerprint,
          '--detach-sign',
          '--armor',
          '--output',
          asc,
          join(repodata, 'repomd.xml'),
        ],
        { env: this.#env(), signal, timeoutMs: this.#opts.timeoutMs ?? 60_000 },
      ).then(() => undefined),
    );
  }

  /** The public key, armored: what users import (the .repo files' gpgkey). */
  async publicKey(): Promise<string> {
    const { stdout } = await runTool('gpg', ['--batch', '--export', '--armor', this.#opts.fingerprint], {
      env: this.#env(),
      timeoutMs: 60_000,
    });
    if (!stdout.includes('BEGIN PGP PUBLIC KEY BLOCK'))
      throw new PatchferryError(
        'publish_signing_key',
        `no key ${this.#opts.fingerprint} in ${this.#opts.gnupgHome}; check publisher.signing.gnupgHome and fingerprint`,
      );
    return stdout;
  }

  #env(): NodeJS.ProcessEnv {
    return { ...process.env, GNUPGHOME: this.#opts.gnupgHome };
  }

  /** Runs `work` with gpg's non-interactive arguments; the passphrase, if any, in a private file. */
  async #withPassphrase<T>(work: (gpgArgs: string[]) => Promise<T>): Promise<T> {
    const batch = ['--batch', '--no-tty', '--pinentry-mode', 'loopback'];
    if (this.#opts.passphrase === null) return work(batch);
    const dir = await mkdtemp(join(tmpdir(), 'patchferry-sign-'));
    try {
      const file = join(dir, 'passphrase');
      await writeFile(file, this.#opts.passphrase, { mode: 0o600 });
      return await work([...batch, '--passphrase-file', file]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
