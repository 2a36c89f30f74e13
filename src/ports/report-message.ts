/** A report ready to send: a reply threaded to the mail it is about. */
export interface ReportMessage {
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly subject: string;
  readonly inReplyTo: string | null;
  readonly references: readonly string[];
  readonly body: string;
}
