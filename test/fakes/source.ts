import type { MailSource, RawMessage } from '../../src/ports/mail-source.ts';

/** A mailbox in memory: mails added by the test, read in order; the position is the count read. */
export class MemorySource implements MailSource {
  readonly name = 'memory:list';
  readonly #mails: Buffer[] = [];

  add(...raws: Buffer[]): void {
    this.#mails.push(...raws);
  }

  async *read(after: string | null): AsyncIterable<RawMessage> {
    for (let i = after === null ? 0 : Number(after); i < this.#mails.length; i++) {
      const raw = this.#mails[i];
      if (raw) yield { raw, position: String(i + 1) };
    }
  }

  settle(): Promise<void> {
    return Promise.resolve();
  }

  watch(): null {
    return null;
  }

  connected(): null {
    return null;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A patch mail as git format-patch makes it, small: one new file per patch. */
export function patchMail(o: {
  id: string;
  subject: string;
  from?: string;
  inReplyTo?: string;
  file?: string;
  /** Header lines added as they are ("Auto-Submitted: auto-replied"). */
  headers?: readonly string[];
  date?: string;
}): Buffer {
  const file = o.file ?? `${o.id.split('@')[0]}.txt`;
  const headers = [
    `From: ${o.from ?? 'Ada Lovelace <ada@example.org>'}`,
    `Subject: ${o.subject}`,
    `Message-ID: <${o.id}>`,
    `Date: ${o.date ?? 'Sun, 29 Nov 2026 10:00:00 +0000'}`,
    ...(o.inReplyTo ? [`In-Reply-To: <${o.inReplyTo}>`, `References: <${o.inReplyTo}>`] : []),
    ...(o.headers ?? []),
  ];
  const body = [
    `Adds ${file}.`,
    '',
    'Signed-off-by: Ada Lovelace <ada@example.org>',
    '---',
    ` ${file} | 1 +`,
    ' 1 file changed, 1 insertion(+)',
    ' create mode 100644 ' + file,
    '',
    `diff --git a/${file} b/${file}`,
    'new file mode 100644',
    'index 0000000..587be6b',
    '--- /dev/null',
    `+++ b/${file}`,
    '@@ -0,0 +1 @@',
    '+x',
    '-- ',
    '2.39.5',
    '',
  ];
  return Buffer.from(`${headers.join('\n')}\n\n${body.join('\n')}`);
}
