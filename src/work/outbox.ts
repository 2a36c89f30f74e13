import type { ReportMessage } from '../ports/report-message.ts';
import type { WorkQueue } from '../ports/work-queue.ts';
import type { ForgeEffect, MailEffect } from './effects.ts';

/** Queues a mail under `key` (which also makes its Message-ID); a key queued before queues nothing.
 * Returns whether it was queued now. */
export function queueMail(
  queue: WorkQueue,
  key: string,
  message: ReportMessage,
  seriesId: string | null = null,
): boolean {
  const effect: MailEffect = {
    type: 'mail',
    seriesId,
    message: {
      to: [...message.to],
      cc: [...message.cc],
      subject: message.subject,
      inReplyTo: message.inReplyTo,
      references: [...message.references],
      body: message.body,
    },
  };
  return queue.enqueue({ kind: 'mail', key, payload: effect });
}

/** Queues an effect on the forge under `key`; a key queued before queues nothing. */
export function queueForge(queue: WorkQueue, key: string, effect: ForgeEffect): boolean {
  return queue.enqueue({ kind: 'forge', key, payload: effect });
}
