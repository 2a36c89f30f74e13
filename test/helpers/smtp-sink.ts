import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** An SMTP server on loopback (the `smtp-server` package, in this process) that keeps what it accepts. */
export interface SmtpSink {
  readonly port: number;
  /** Every message answered 250 after its data, raw, in the order accepted. */
  readonly received: readonly string[];
  /** Answers 451 (try again later) to the data of the `n`th attempt (counted from 1) when it says so. */
  refuse: (n: number) => boolean;
  close(): Promise<void>;
}

/** `delayMs`: each sending waits this long at MAIL FROM, before any data, as a distant server
 * makes it wait; a client that dies meanwhile delivers nothing. `replyDelayMs`: the server keeps
 * the data at once but answers 250 this long after, as one that queues to disk first; a client
 * that dies meanwhile never learns that its mail went, and sends it again. */
export async function startSmtpSink(
  opts: { delayMs?: number; replyDelayMs?: number } = {},
): Promise<SmtpSink> {
  const received: string[] = [];
  let attempts = 0;
  const sink = {
    port: 0,
    received,
    refuse: (_n: number) => false,
    close: () => Promise.resolve(),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    // A reverse DNS lookup of 127.0.0.1 asks the network's resolver, and waits on it.
    disableReverseLookup: true,
    onMailFrom(_address, _session, callback) {
      setTimeout(() => callback(), opts.delayMs ?? 0);
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        attempts++;
        if (sink.refuse(attempts)) {
          callback(Object.assign(new Error('try again later'), { responseCode: 451 }));
          return;
        }
        received.push(Buffer.concat(chunks).toString('utf8'));
        setTimeout(() => callback(), opts.replyDelayMs ?? 0);
      });
    },
  });
  // A client killed in the middle of a sending resets its connection: nothing to report.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.port = (server.server.address() as AddressInfo).port;
  sink.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sink;
}
