import type { ReportMessage } from './report-message.ts';

/** Delivers reports: to the list over SMTP, into an outbox file. */
export interface Notifier {
  readonly name: string;
  /** Where `message` goes through this notifier, each destination recorded on its own once it
   * took the message (so a retry goes only where it did not arrive): the notifier itself for a
   * file, each recipient for SMTP (whose server may refuse one recipient and take the others). */
  destinations(message: ReportMessage): string[];
  /** Delivers to one of `destinations(message)`. `key` identifies the report; the same key always
   * yields the same Message-ID. Throws when the destination did not take it. */
  send(key: string, message: ReportMessage, destination: string): Promise<void>;
}
