import type { OpenMailHead } from '../../ports/store.ts';

/**
 * Which open mails (new, and parts of series still waiting) a run must read and parse again: the
 * new ones; the waiting ones in their threads (answering them or answered by them, or answering
 * the same mails) and from their senders, since those may now complete a series; and those whose
 * grace period is over, with their senders' other waiting mails, since those now expire. Every
 * other waiting mail is left unread: a run with no new mail reads none of a flood of incomplete
 * series. `cutoff`: ms since the epoch; mails recorded at or before it are past their grace.
 */
export function workingSet(heads: readonly OpenMailHead[], cutoff: number): Set<string> {
  const chosen = new Set<string>();
  const threads = new Set<string>();
  for (const h of heads) {
    if (h.state !== 'new' && Date.parse(h.receivedAt) > cutoff) continue;
    chosen.add(h.messageId);
    threads.add(h.messageId);
    for (const a of h.answers) threads.add(a);
  }
  if (chosen.size === 0) return chosen;
  for (const h of heads)
    if (threads.has(h.messageId) || h.answers.some((a) => threads.has(a))) chosen.add(h.messageId);
  const senders = new Set(heads.filter((h) => chosen.has(h.messageId)).map((h) => h.sender.toLowerCase()));
  for (const h of heads) if (senders.has(h.sender.toLowerCase())) chosen.add(h.messageId);
  return chosen;
}
