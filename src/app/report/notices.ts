import type { Config } from '../../config/schema.ts';
import type { WorkQueue } from '../../ports/work-queue.ts';
import {
  renderIncomplete,
  renderRejection,
  type Audience,
  type RejectionFacts,
} from '../../render/report.ts';
import type { Series, SeriesMail } from '../../series/series.ts';
import { queueMail } from '../../work/outbox.ts';

/** Queues the reply to a sender whose mail names no known repository or branch (or, by `kind`, whose
 * series is too large); with `list`, the reply goes to the list, the sender in copy. */
export function queueRejection(
  queue: WorkQueue,
  head: SeriesMail,
  reason: string,
  list: string | null = null,
  kind: RejectionFacts['kind'] = 'not-routed',
): void {
  const message = renderRejection({
    subject: head.subject,
    sender: head.from,
    messageId: head.messageId,
    references: head.references,
    reason,
    kind,
  });
  const addressed = list === null ? message : { ...message, to: [list], cc: [head.from.address] };
  queueMail(queue, `mail:${head.messageId}:rejected`, addressed);
}

/** Queues the notice on a series whose missing parts did not come within the grace period. */
export function queueIncomplete(queue: WorkQueue, series: Series, head: SeriesMail, config: Config): void {
  const facts = {
    subject: head.subject,
    sender: head.from,
    messageId: head.messageId,
    references: head.references,
    received: [...series.patches.keys()].sort((a, b) => a - b),
    total: series.total,
    graceHours: config.series.graceHours,
  };
  queueMail(queue, `series:${series.id}:incomplete`, renderIncomplete(facts, audience(config)), series.id);
}

/** Who reports go to: the list, and on failures also the failure recipients. */
export function audience(config: Config): Audience {
  return {
    listAddress: config.reporter.listAddress,
    failureRecipients: config.reporter.failureRecipients,
  };
}
