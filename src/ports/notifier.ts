import type { ReportMessage } from './report-message.ts';

/** Delivers reports: to the list over SMTP, into an outbox file, on a merge request. */
export interface Notifier {
  readonly name: string;
  /** `key` identifies the report; the same key always yields the same Message-ID. */
  send(key: string, message: ReportMessage): Promise<void>;
}
