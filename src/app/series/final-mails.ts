import type { Store } from '../../ports/store.ts';

/** The mails of a series are final, in one transaction: `outcome` says what became of them (applied,
 * rejected, superseded …), `reason` why when it needs saying. Final mails are never planned again,
 * and the mailboxes that can hold a mark get it at the next settle. */
export function finalMails(
  store: Store,
  members: readonly { readonly messageId: string; readonly kind: string }[],
  outcome: string,
  reason: string | null = null,
): void {
  store.atomically(() => {
    for (const m of members)
      store.mails.setState(m.messageId, { state: 'final', outcome, reason, kind: m.kind });
  });
}
