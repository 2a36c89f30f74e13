/** One raw message as a source delivers it, with the position to resume after it. */
export interface RawMessage {
  readonly raw: Buffer;
  /** Opaque to callers; given back to `read` to continue after this message. */
  readonly position: string;
}

/** A place mail is read from: a mailbox file, an IMAP folder, an archive. */
export interface MailSource {
  /** Stable name used to store the source's position, e.g. `mbox:/path/list.mbox`. */
  readonly name: string;
  /** Messages after `after` (from the start when null), oldest first. */
  read(after: string | null): AsyncIterable<RawMessage>;
}
