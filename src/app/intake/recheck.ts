import type { MailFacts } from '../../ports/store.ts';
import type { SeriesMail } from '../../series/series.ts';
import { errorMessage } from '../../shared/errors.ts';
import { authenticates, type Authenticity } from '../../trust/authenticity.ts';
import type { SenderPolicy } from '../../trust/hold.ts';
import type { Deps } from '../deps.ts';

/** Times a verdict that was only for now (DNS did not answer) is verified again before it is final. */
export const RECHECKS = 5;

/** Minutes before the first re-verification; each next one waits twice as long (10, 20, 40, 80, 160:
 * about five hours in all, past most DNS outages). */
const FIRST_RECHECK_MS = 10 * 60 * 1000;

/** When the temporary verdict `a`, last checked at `checkedAt` (ms since the epoch), may be verified
 * again, in ms since the epoch; null when it is final. Pure. */
export function recheckAt(a: Authenticity, checkedAt: number): number | null {
  if (!a.temporary) return null;
  const done = a.rechecks ?? 0;
  if (done >= RECHECKS) return null;
  return checkedAt + FIRST_RECHECK_MS * 2 ** done;
}

/**
 * Under `authenticity: require`, verifies again the mails of a series whose verdict failed only for
 * now (a DNS lookup that did not answer), when their backoff is due: a series held by a DNS outage
 * goes on once DNS answers. After RECHECKS tries the verdict is final (no longer `temporary`).
 * Updates the store and `records`. A mail that proves its sender already is not asked again. Its
 * bytes are read from the store only when it is verified again (`records` holds none).
 */
export async function recheckTemporary(
  deps: Pick<Deps, 'authenticator' | 'store' | 'log' | 'clock'>,
  members: readonly SeriesMail[],
  records: Map<string, MailFacts>,
  policy: SenderPolicy,
): Promise<void> {
  const authenticator = deps.authenticator;
  if (!authenticator || policy.authenticity !== 'require') return;
  const now = deps.clock.now();
  for (const m of members) {
    const record = records.get(m.messageId);
    const before = record?.authenticity;
    if (!record || !before || authenticates(before, policy.arcSealers).ok) continue;
    if (!before.temporary) continue;
    if (before.checkedAt === undefined) {
      // The backoff starts when intake first sees the verdict, on intake's clock.
      const started = { ...before, checkedAt: new Date(now).toISOString() };
      deps.store.mails.setAuthenticity(m.messageId, started);
      records.set(m.messageId, { ...record, authenticity: started });
      continue;
    }
    const at = recheckAt(before, Date.parse(before.checkedAt));
    if (at === null || at > now) continue;
    const rechecks = (before.rechecks ?? 0) + 1;
    let fresh: Authenticity;
    try {
      const raw = deps.store.mails.get(m.messageId)?.raw;
      if (!raw) continue;
      fresh = await authenticator.verify(raw);
    } catch (err) {
      deps.log.warn({ messageId: m.messageId, err: errorMessage(err) }, 'mail not verified again');
      fresh = before;
    }
    const next: Authenticity = {
      ...fresh,
      // The last try's answer is final, whatever DNS says: the series is then held for good or goes on.
      temporary: fresh.temporary && rechecks < RECHECKS,
      rechecks,
      checkedAt: new Date(now).toISOString(),
    };
    deps.store.mails.setAuthenticity(m.messageId, next);
    records.set(m.messageId, { ...record, authenticity: next });
    deps.log.info(
      {
        messageId: m.messageId,
        rechecks,
        temporary: next.temporary,
        ok: authenticates(next, policy.arcSealers).ok,
      },
      'mail verified again',
    );
  }
}
