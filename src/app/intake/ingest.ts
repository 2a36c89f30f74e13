import { identifyMail } from '../../mail/parse.ts';
import type { ReadOptions } from '../../ports/mail-source.ts';
import type { Deps } from '../deps.ts';

/** Records every mail the sources hold past their positions; returns how many were new. Only the
 * headers are read here: the body is parsed once, when the mail is looked at. */
export async function ingest(
  ctx: Pick<Deps, 'store' | 'sources' | 'log'>,
  options: ReadOptions = {},
): Promise<number> {
  let count = 0;
  for (const source of ctx.sources) {
    let read = 0;
    for await (const message of source.read(ctx.store.positions.get(source.name), options)) {
      read++;
      // The record is committed before the position moves: a crash in between re-reads the mail,
      // and the Message-ID makes that second sight harmless.
      const mail = identifyMail(message.raw);
      const recorded = ctx.store.mails.record({
        ...mail,
        raw: message.raw,
        source: source.name,
        position: message.position,
      });
      if (recorded) count++;
      else ctx.store.mails.relocate(mail.messageId, source.name, message.position);
      ctx.store.positions.set(source.name, message.position);
    }
    ctx.log.info({ source: source.name, read }, 'source read');
  }
  return count;
}

/** Marks, in each mailbox that can hold a mark, the mails whose outcome is now final; a run with
 * an empty database then starts from the mails still unmarked. Returns how many were marked. */
export async function settle(ctx: Pick<Deps, 'store' | 'sources'>): Promise<number> {
  let count = 0;
  for (const source of ctx.sources) {
    const mails = ctx.store.mails.unsettled(source.name);
    if (mails.length === 0) continue;
    await source.settle(mails.map((m) => m.position));
    ctx.store.mails.markSettled(mails.map((m) => m.messageId));
    count += mails.length;
  }
  return count;
}
