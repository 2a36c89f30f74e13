import { contentHash } from '../../mail/content-hash.ts';
import { identifyMail } from '../../mail/parse.ts';
import type { MailSource, ReadOptions, RawMessage } from '../../ports/mail-source.ts';
import { PatchferryError, errorMessage } from '../../shared/errors.ts';
import type { Authenticity } from '../../trust/authenticity.ts';
import type { Deps } from '../deps.ts';
import { admission } from './admission.ts';

export interface IngestOptions extends ReadOptions {
  /** Mail of the past (`import`, `sync --since`): it arrives all at once by design, so no sender
   * is held to limits.mailsPerSenderPerHour. */
  readonly history?: boolean;
  /** Ctrl-C or SIGTERM: reading stops once the batch being read is committed (with its position,
   * so the next run reads on from there). */
  readonly signal?: AbortSignal;
}

export interface IngestResult {
  /** How many mails were recorded for the first time. */
  readonly recorded: number;
  /** Mails recorded but quarantined at once, over a limit. */
  readonly refused: readonly { messageId: string; reason: string }[];
  /** Second, different mails under a Message-ID already recorded (both hashes kept). */
  readonly duplicates: readonly { messageId: string; first: string; other: string }[];
  /** Whether the signal stopped the reading before every source was read to its end. */
  readonly interrupted: boolean;
}

/** Mails recorded in one transaction: a long archive is committed as it is read, in batches of
 * this many mails or of BATCH_BYTES, whichever comes first; only one batch is held in memory. */
export const BATCH_MAILS = 50;
const BATCH_BYTES = 2 << 20;

/** Records every mail the sources hold past their positions. Only the headers are read here: the
 * body is parsed once, when the mail is looked at. A mail over a limit (its size, its sender's
 * mails this hour) is recorded already quarantined with the reason, its body not kept. Mails are
 * committed in batches (`batch`, default BATCH_MAILS), each with the position after its last mail. */
export async function ingest(
  ctx: Pick<Deps, 'store' | 'sources' | 'log' | 'config' | 'authenticator'>,
  options: IngestOptions & { readonly batch?: number } = {},
): Promise<IngestResult> {
  const result = {
    interrupted: false,
    recorded: 0,
    refused: [] as IngestResult['refused'][number][],
    duplicates: [] as IngestResult['duplicates'][number][],
  };
  const { history, signal, batch: size = BATCH_MAILS, ...read } = options;
  for (const source of ctx.sources) {
    if (signal?.aborted) {
      result.interrupted = true;
      break;
    }
    let count = 0;
    let batch: { message: RawMessage; authenticity: Authenticity | null }[] = [];
    let bytes = 0;
    const commit = () => {
      // The records are committed with the position after them: a crash before re-reads the batch,
      // and the Message-ID makes that second sight harmless.
      ctx.store.atomically(() => {
        for (const { message, authenticity } of batch) {
          const outcome = take(ctx, source.name, message, history === true, authenticity);
          if (outcome.recorded) result.recorded++;
          if (outcome.refused) result.refused.push(outcome.refused);
          if (outcome.duplicate) result.duplicates.push(outcome.duplicate);
        }
        const last = batch.at(-1);
        if (last) ctx.store.positions.set(source.name, last.message.position);
      });
      batch = [];
      bytes = 0;
    };
    try {
      for await (const message of source.read(ctx.store.positions.get(source.name), read)) {
        count++;
        batch.push({ message, authenticity: await verified(ctx, message.raw) });
        bytes += message.raw.length;
        if (batch.length >= size || bytes >= BATCH_BYTES) commit();
        if (signal?.aborted) {
          result.interrupted = true;
          break;
        }
      }
    } catch (err) {
      // The mails read before the failure are whole: they are kept, with the position after them.
      commit();
      throw count > 0 ? readFailed(source, count, err) : err;
    }
    commit();
    ctx.log.info({ source: source.name, read: count }, 'source read');
  }
  return result;
}

/** A source that failed mid-read, its error said again with what became of the mails before it.
 * The code and whether a retry helps are the source's own. */
function readFailed(source: MailSource, read: number, err: unknown): PatchferryError {
  const file = source.connected() === null;
  return new PatchferryError(
    err instanceof PatchferryError ? err.code : 'source_unreadable',
    `${errorMessage(err)}, after ${read} mail(s) of this run: those are recorded, and the next "patchferry sync" sorts them (reading it again goes on after them)` +
      (file ? '; if the file is damaged or cut short, replace it by a whole copy and import it again' : ''),
    { cause: err, retryable: err instanceof PatchferryError ? err.retryable : true },
  );
}

function take(
  ctx: Pick<Deps, 'store' | 'log' | 'config'>,
  source: string,
  message: RawMessage,
  history: boolean,
  authenticity: Authenticity | null,
): {
  recorded: boolean;
  refused?: { messageId: string; reason: string };
  duplicate?: { messageId: string; first: string; other: string };
} {
  const { store } = ctx;
  const mail = identifyMail(message.raw);
  const verdict = admission(ctx.config.limits, store.mails, mail, message.raw, history);
  return store.atomically(() => {
    const raw = verdict === null ? message.raw : verdict.kept;
    const recorded = store.mails.record({
      ...mail,
      raw,
      source,
      position: message.position,
      history,
      authenticity,
    });
    if (recorded && verdict !== null) {
      store.mails.setState(mail.messageId, {
        state: 'quarantined',
        outcome: 'over a limit',
        reason: verdict.reason,
      });
      ctx.log.warn(
        { messageId: mail.messageId, sender: mail.sender, reason: verdict.reason },
        'mail refused',
      );
      return { recorded, refused: { messageId: mail.messageId, reason: verdict.reason } };
    }
    if (recorded) return { recorded };
    const first = store.mails.get(mail.messageId);
    const firstHash = first ? contentHash(first.raw) : '';
    const otherHash = contentHash(message.raw);
    if (first && firstHash !== otherHash && first.outcome !== 'over a limit') {
      const d = {
        messageId: mail.messageId,
        firstSha256: firstHash,
        otherSha256: otherHash,
        source,
        position: message.position,
      };
      if (store.mails.recordDuplicate(d)) {
        ctx.log.warn(
          { messageId: mail.messageId, first: firstHash, other: otherHash },
          'different mail under a known Message-ID',
        );
        return { recorded, duplicate: { messageId: mail.messageId, first: firstHash, other: otherHash } };
      }
      return { recorded };
    }
    store.mails.relocate(mail.messageId, source, message.position);
    return { recorded };
  });
}

/** What verifying a mail not seen before finds, when a project asks (null otherwise). Once, as it
 * first comes in: a DKIM key rotated later must not change the verdict. */
async function verified(
  ctx: Pick<Deps, 'store' | 'authenticator'>,
  raw: Buffer,
): Promise<Authenticity | null> {
  if (!ctx.authenticator) return null;
  if (ctx.store.mails.get(identifyMail(raw).messageId)) return null;
  return ctx.authenticator.verify(raw);
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
