import type { Store } from '../../src/ports/store.ts';
import { mailEffect } from '../../src/work/effects.ts';

/** The mails waiting in the outbox, oldest first: what the next `report` sends. */
export function queuedMail(store: Store): { key: string; subject: string; to: string[]; body: string }[] {
  return store.work.list('pending', ['mail']).map((u) => {
    const { message } = mailEffect.parse(u.payload);
    return { key: u.key, subject: message.subject, to: [...message.to, ...message.cc], body: message.body };
  });
}
