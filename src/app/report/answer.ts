import type { Store } from '../../ports/store.ts';
import { noReplyReason, replyFacts } from '../../trust/backscatter.ts';
import type { Deps } from '../deps.ts';

/**
 * Why the mail `messageId` must get no answer from patchferry (trust/backscatter.ts has the
 * rules), or null when it may. `unauthenticated` is why its sender failed the authenticity
 * policy, if it did: such senders get no answer unless trust.answerUnauthenticated. A mail that is
 * not recorded gets none either: nothing says where it came from.
 */
export function whyNotAnswer(
  deps: Pick<Deps, 'config' | 'store'>,
  messageId: string,
  unauthenticated: string | null = null,
): string | null {
  const record = deps.store.mails.get(messageId);
  if (!record) return 'it is not recorded';
  const start = record.history ? deps.store.mails.firstReceived(record.source) : null;
  return noReplyReason(replyFacts(record.raw), {
    ourLists: [
      deps.config.reporter.listAddress,
      ...Object.values(deps.config.projects).flatMap((p) => p.lists),
    ],
    historySince: start === null ? null : new Date(start),
    unauthenticated: deps.config.trust.answerUnauthenticated ? null : unauthenticated,
  });
}

/** How many "not routed" replies went to `address` in the 24 hours before `now` (ms). */
export function notRoutedRecently(store: Store, address: string, now: number): number {
  return store.work.countMail({
    keySuffix: ':rejected',
    to: address,
    since: new Date(now - 24 * 3600 * 1000).toISOString(),
  });
}
