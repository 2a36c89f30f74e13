import { identifyMail } from '../mail/parse.ts';
import type { Context } from './context.ts';

/** Records every mail the sources hold past their positions; returns how many were new. Only the
 * headers are read here: the body is parsed once, when the mail is looked at. */
export async function ingest(ctx: Context): Promise<number> {
  let count = 0;
  for (const source of ctx.sources) {
    let read = 0;
    for await (const message of source.read(ctx.store.positions.get(source.name))) {
      read++;
      // The record is committed before the position moves: a crash in between re-reads the mail,
      // and the Message-ID makes that second sight harmless.
      const recorded = ctx.store.mails.record({
        ...identifyMail(message.raw),
        raw: message.raw,
        source: source.name,
        position: message.position,
      });
      if (recorded) count++;
      ctx.store.positions.set(source.name, message.position);
    }
    ctx.log.info({ source: source.name, read }, 'source read');
  }
  return count;
}
