import type { MailSource, ReadOptions, RawMessage } from '../ports/mail-source.ts';

/** A source read whole from the file system (mbox, Maildir, public-inbox): it keeps no marks,
 * cannot say when mail arrives (the daemon polls it) and holds no connection. */
export function fileSource(
  name: string,
  read: (after: string | null, options?: ReadOptions) => AsyncIterable<RawMessage>,
): MailSource {
  return {
    name,
    read,
    settle: () => Promise.resolve(),
    watch: () => null,
    connected: () => null,
    close: () => Promise.resolve(),
  };
}
