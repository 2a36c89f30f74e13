/** One raw message as a source delivers it, with the position to resume after it. */
export interface RawMessage {
  readonly raw: Buffer;
  /** Opaque to callers; given back to `read` to continue after this message. */
  readonly position: string;
}

export interface ReadOptions {
  /** Backfill: also deliver mail dated from this day on, whatever the position says. Sources that are
   * read whole (files, archives) deliver everything past their position either way. */
  readonly since?: Date;
  /** The caller is done with each message's bytes before it asks for the next (`scan` parses and
   * drops them): a source may then hand out a view of a buffer it reuses rather than a copy, which
   * spares reading a long archive a fresh buffer per mail for the collector to find. */
  readonly lent?: boolean;
}

/** A place mail is read from: a mailbox file, an IMAP folder, an archive. */
export interface MailSource {
  /** Stable name used to store the source's position, e.g. `mbox:/path/list.mbox`. Holds no secret. */
  readonly name: string;
  /** Messages after `after` (from the start when null), oldest first. */
  read(after: string | null, options?: ReadOptions): AsyncIterable<RawMessage>;
  /** Marks mails whose outcome is final in the mailbox itself, so that a run with an empty database
   * skips them. Sources that cannot keep such a mark (files, archives) resolve having done nothing. */
  settle(positions: readonly string[]): Promise<void>;
  /** Yields once at the start and then whenever new mail may have arrived, until `signal` aborts;
   * null from sources that cannot tell (files, archives), which the daemon polls instead. */
  watch(signal: AbortSignal): AsyncIterable<void> | null;
  /** Whether the source holds a live connection to its server now (the daemon's /readyz); null for
   * sources that hold none (files, archives). */
  connected(): boolean | null;
  /** Releases connections; the source can still be used afterwards (it reconnects). Sources that
   * hold none resolve at once. */
  close(): Promise<void>;
}
