import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { ImapError, describeImapFailure } from './imap-errors.ts';
import { backoffDelay, sleep } from '../shared/backoff.ts';
import type { Logger } from '../shared/log.ts';
import type { MailSource, RawMessage, ReadOptions } from '../ports/mail-source.ts';

/** The keyword a mail gets once its outcome is final (DESIGN.md, "State and exactly-once"). */
export const FINAL_KEYWORD = '$Patchferry';
export { ImapError } from './imap-errors.ts';

export interface ImapSourceOptions {
  readonly host: string;
  readonly port: number;
  /** tls: implicit TLS; starttls: required upgrade; plain: no encryption (loopback only). */
  readonly security: 'tls' | 'starttls' | 'plain';
  readonly user: string;
  readonly auth: { readonly password: string } | { readonly accessToken: string };
  readonly mailbox: string;
  /** PEM certificates to trust besides the system's. */
  readonly ca?: string;
  readonly moveTo?: string;
  readonly pollMs: number;
  readonly reconnect: {
    readonly attempts: number;
    readonly baseDelayMs: number;
    readonly maxDelayMs: number;
  };
  readonly log: Logger;
}

/** One IMAP folder as a mail source. The position is `UIDVALIDITY:UID` of the last mail delivered;
 * one connection per folder is kept open between calls and reopened, with backoff, after any drop. */
export function imapSource(options: ImapSourceOptions): PushingSource {
  return new ImapFolder(options);
}

/** A source that always says when mail may have arrived (IDLE, or NOOP polling). */
export interface PushingSource extends MailSource {
  watch(signal: AbortSignal): AsyncIterable<void>;
}

interface Position {
  readonly validity: string;
  readonly uid: number;
}

class ImapFolder implements MailSource {
  readonly name: string;
  readonly #o: ImapSourceOptions;
  #client: ImapFlow | null = null;
  /** Set whenever the server says the folder grew, cleared when a watcher wakes up for it. */
  #changed = false;
  #wake: (() => void) | null = null;
  /** A watcher waits on this folder: the connection goes back to IDLE as soon as it is free. */
  #watched = false;

  constructor(options: ImapSourceOptions) {
    this.#o = options;
    this.name = `imap:${options.user}@${options.host}:${options.port}/${options.mailbox}`;
  }

  async *read(after: string | null, options: ReadOptions = {}): AsyncGenerator<RawMessage> {
    const start = parsePosition(after);
    let last: Position | null = null;
    for (let attempt = 0; ; attempt++) {
      try {
        for await (const message of this.#fetchNew(start, last, options.since)) {
          last = message.at;
          attempt = 0;
          yield { raw: message.raw, position: formatPosition(message.at) };
        }
        return;
      } catch (err) {
        await this.#afterFailure(err, attempt, 'reading');
      }
    }
  }

  async *#fetchNew(
    start: Position | null,
    last: Position | null,
    since: Date | undefined,
  ): AsyncGenerator<{ raw: Buffer; at: Position }> {
    const client = await this.#connect();
    const lock = await this.#lock(client);
    try {
      const validity = String(client.mailbox ? client.mailbox.uidValidity : '');
      // Resume after what this call already delivered, else after the stored position, provided the
      // folder is still the same one (same UIDVALIDITY); otherwise every mail not yet marked final.
      const from = last?.validity === validity ? last : start?.validity === validity ? start : null;
      if (start && start.validity !== validity && !last) {
        this.#o.log.warn(
          { source: this.name, was: start.validity, now: validity },
          'UIDVALIDITY changed: rescanning the folder (Message-IDs keep mails from counting twice)',
        );
      }
      let uids: number[];
      if (since) uids = await this.#search(client, { since });
      else if (from) uids = await this.#search(client, { uid: `${from.uid + 1}:*` });
      else uids = await this.#search(client, { unKeyword: FINAL_KEYWORD });
      // `N:*` always matches the newest mail, even below N; a retry skips what it already delivered.
      const floor = last?.validity === validity ? last.uid : !since && from ? from.uid : 0;
      uids = uids.filter((u) => u > floor).sort((a, b) => a - b);
      if (uids.length === 0) return;
      for await (const message of client.fetch(uids, { uid: true, source: true }, { uid: true })) {
        if (!message.source)
          throw new ImapError(
            'imap_fetch',
            `${this.name}: the server sent UID ${message.uid} without its body`,
          );
        yield { raw: message.source, at: { validity, uid: message.uid } };
      }
    } finally {
      lock.release();
      this.#idleIfWatched(client);
    }
  }

  async settle(positions: readonly string[]): Promise<void> {
    if (positions.length === 0) return;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#mark(positions);
      } catch (err) {
        await this.#afterFailure(err, attempt, 'marking mails');
      }
    }
  }

  async #mark(positions: readonly string[]): Promise<void> {
    const client = await this.#connect();
    const lock = await this.#lock(client);
    try {
      const validity = String(client.mailbox ? client.mailbox.uidValidity : '');
      // A mail read before a UIDVALIDITY change has no UID in the folder as it is now; it is found
      // again by the rescan, recognised by Message-ID, and marked then.
      const uids = positions
        .map(parsePosition)
        .filter((p): p is Position => p !== null && p.validity === validity)
        .map((p) => p.uid);
      if (uids.length === 0) return;
      const added = await client.messageFlagsAdd(uids, [FINAL_KEYWORD], { uid: true });
      if (!added)
        throw new ImapError(
          'imap_store',
          `${this.name}: the server refused to set ${FINAL_KEYWORD} on UIDs ${uids.join(',')}`,
        );
      if (this.#o.moveTo) {
        const moved = await client.messageMove(uids, this.#o.moveTo, { uid: true });
        if (!moved)
          throw new ImapError(
            'imap_move',
            `${this.name}: could not move UIDs ${uids.join(',')} to "${this.#o.moveTo}" (does the folder exist?)`,
          );
      }
    } finally {
      lock.release();
      this.#idleIfWatched(client);
    }
  }

  async *watch(signal: AbortSignal): AsyncGenerator<void> {
    this.#watched = true;
    try {
      yield* this.#watchLoop(signal);
    } finally {
      this.#watched = false;
    }
  }

  async *#watchLoop(signal: AbortSignal): AsyncGenerator<void> {
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        const client = await this.#connect();
        // IDLE works on the selected folder; the folder stays selected between our own commands.
        await client.mailboxOpen(this.#o.mailbox);
        attempt = 0;
        // After every (re)connection: mail may have come while nobody listened.
        this.#changed = false;
        yield;
        while (!signal.aborted && this.#client === client) {
          this.#idleIfWatched(client);
          await this.#changedOrClosed(signal);
          if (signal.aborted || this.#client !== client) break;
          this.#changed = false;
          yield;
        }
      } catch (err) {
        if (signal.aborted) return;
        await this.#afterFailure(err, attempt, 'watching', Infinity, signal);
      }
    }
  }

  #changedOrClosed(signal: AbortSignal): Promise<void> {
    if (this.#changed || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.#wake = null;
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.#wake = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Back to IDLE at once after our own commands (not after imapflow's autoIdleDelay): mail that
   * lands between two runs is then pushed, not noticed a second later. */
  #idleIfWatched(client: ImapFlow): void {
    if (this.#watched && client.usable) void client.idle({ whenFree: true }).catch(() => undefined);
  }

  connected(): boolean {
    return this.#client?.usable === true;
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = null;
    this.#wake?.();
    if (client?.usable) await client.logout().catch(() => client.close());
    else client?.close();
  }

  async #connect(): Promise<ImapFlow> {
    if (this.#client?.usable) return this.#client;
    this.#client?.close();
    const o = this.#o;
    const settings: ImapFlowOptions & { doSTARTTLS?: boolean } = {
      host: o.host,
      port: o.port,
      secure: o.security === 'tls',
      // Required upgrade for starttls, none at all for plain: never a silent downgrade.
      doSTARTTLS: o.security === 'starttls' ? true : o.security === 'plain' ? false : undefined,
      auth:
        'password' in o.auth
          ? { user: o.user, pass: o.auth.password }
          : { user: o.user, accessToken: o.auth.accessToken },
      logger: false,
      // IDLE soon after our own commands so new mail is pushed at once; the idle is restarted (or,
      // without IDLE, NOOP is polled) every pollMs.
      autoIdleDelay: 1000,
      maxIdleTime: o.pollMs,
      connectionTimeout: 30_000,
      greetingTimeout: 15_000,
      ...(o.ca ? { tls: { ca: o.ca } } : {}),
    };
    const client = new ImapFlow(settings);
    client.on('error', (err: Error) =>
      o.log.warn({ source: this.name, err: err.message }, 'IMAP connection error'),
    );
    client.on('exists', () => {
      this.#changed = true;
      this.#wake?.();
    });
    client.on('close', () => {
      o.log.debug({ source: this.name }, 'IMAP connection closed');
      if (this.#client === client) this.#client = null;
      this.#wake?.();
    });
    await client.connect();
    this.#client = client;
    o.log.info({ source: this.name, idle: client.capabilities.has('IDLE') }, 'IMAP connected');
    return client;
  }

  async #lock(client: ImapFlow) {
    // A folder still selected from an earlier call is selected again: the server may not have told
    // this session of new mail yet, nor that the folder was rebuilt under a new UIDVALIDITY
    // (Dovecot says neither); a fresh SELECT reports both. One not selected yet is selected by the
    // lock itself.
    const stale = client.mailbox !== false && client.mailbox?.path === this.#o.mailbox;
    let lock: Awaited<ReturnType<ImapFlow['getMailboxLock']>> | undefined;
    try {
      lock = await client.getMailboxLock(this.#o.mailbox);
      if (stale) await client.mailboxOpen(this.#o.mailbox);
      return lock;
    } catch (err) {
      lock?.release();
      if ((err as { mailboxMissing?: boolean }).mailboxMissing) {
        throw new ImapError(
          'imap_no_mailbox',
          `${this.name}: the server has no folder "${this.#o.mailbox}"`,
          {
            cause: err,
          },
        );
      }
      throw err;
    }
  }

  async #search(client: ImapFlow, query: Record<string, unknown>): Promise<number[]> {
    const uids = await client.search(query, { uid: true });
    if (!Array.isArray(uids))
      throw new ImapError('imap_search', `${this.name}: SEARCH ${JSON.stringify(query)} failed`, {
        retryable: true,
      });
    return uids;
  }

  /** Waits before the next attempt, or throws what the user has to fix when retrying cannot help. */
  async #afterFailure(
    err: unknown,
    attempt: number,
    doing: string,
    attempts = this.#o.reconnect.attempts,
    signal?: AbortSignal,
  ): Promise<void> {
    const failure = describeImapFailure(
      err,
      this.name,
      'password' in this.#o.auth ? 'password' : 'access token',
      this.#o.user,
    );
    this.#client?.close();
    this.#client = null;
    if (!failure.retryable) throw failure;
    if (attempt + 1 >= attempts) {
      throw new ImapError('imap_unreachable', `${failure.message} (gave up after ${attempts} attempts)`, {
        cause: err,
        retryable: true,
      });
    }
    const delay = backoffDelay(attempt, this.#o.reconnect.baseDelayMs, this.#o.reconnect.maxDelayMs);
    this.#o.log.warn(
      { source: this.name, doing, attempt: attempt + 1, delayMs: Math.round(delay), err: failure.message },
      'IMAP retry',
    );
    await sleep(delay, signal);
  }
}

function parsePosition(position: string | null): Position | null {
  const match = position ? /^(\d+):(\d+)$/.exec(position) : null;
  return match ? { validity: match[1] ?? '', uid: Number(match[2]) } : null;
}

function formatPosition(p: Position): string {
  return `${p.validity}:${p.uid}`;
}
