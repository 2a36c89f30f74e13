import type { SeriesMail } from '../../series/series.ts';
import { authenticates } from '../../trust/authenticity.ts';
import type { Deps } from '../deps.ts';
import { notRoutedRecently, whyNotAnswer } from './answer.ts';
import { queueRejection } from './notices.ts';

/**
 * Answers a mail that names no known repository or branch (or, by `kind`, a series over the
 * limits) as its source says
 * (`sources[].rejections`): a reply to the sender (at most trust.notRoutedPerDay a day each), a
 * reply on the list, or only the log. Returns how it was answered, or why it was not.
 */
export function answerRejection(
  deps: Pick<Deps, 'config' | 'store' | 'rejections'>,
  head: SeriesMail,
  reason: string,
  kind: 'not-routed' | 'too-large' = 'not-routed',
): { readonly answered: 'sender' | 'list' | null; readonly why: string | null } {
  const record = deps.store.mails.get(head.messageId);
  const mode = (record && deps.rejections.get(record.source)) ?? 'reply';
  if (mode === 'log') return { answered: null, why: 'this source logs rejections only' };
  // A mail that names no project is held to the global policy.
  const auth = authenticates(record?.authenticity ?? null, deps.config.trust.arcSealers);
  const unauthenticated = deps.config.trust.authenticity === 'require' && !auth.ok ? auth.reason : null;
  const silent = whyNotAnswer(deps, head.messageId, unauthenticated);
  if (silent !== null) return { answered: null, why: silent };
  if (mode === 'reply') {
    // The store stamps queued units with the real time, so the window is counted in it too.
    const sent = notRoutedRecently(deps.store, head.from.address, Date.now());
    if (sent >= deps.config.trust.notRoutedPerDay)
      return { answered: null, why: `${head.from.address} got ${sent} such replies in the last 24 hours` };
  }
  queueRejection(
    deps.store.work,
    head,
    reason,
    mode === 'list' ? deps.config.reporter.listAddress : null,
    kind,
  );
  return { answered: mode === 'list' ? 'list' : 'sender', why: null };
}
