import type { Mail } from '../../mail/mail.ts';
import { parseMail } from '../../mail/parse.ts';
import type { Series, SeriesMail } from '../../series/series.ts';
import { earlierVersion } from '../../series/versions.ts';
import type { MailRecord, Store } from '../../ports/store.ts';

/** Versions of a series across runs: assembly sees one run's mails; the store remembers the rest. */

/** The mails of series recorded by earlier runs that open patches answer as partial rerolls (a lone
 * `v3 2/2` replying to v2's 2/2): their parts, cover letter and replies, so that assembly rebuilds
 * the series with the rerolled parts in place and the others keep their trailers. Added to
 * `records` for their raw bytes; their own states are left as they are. */
export async function rerollContext(
  store: Store,
  mails: readonly Mail[],
  records: Map<string, MailRecord>,
): Promise<Mail[]> {
  const wanted = new Set<string>();
  for (const m of mails) {
    if (m.kind !== 'patch' || !m.inReplyTo || records.has(m.inReplyTo)) continue;
    const earlier = store.series.containing(m.inReplyTo);
    if (!earlier) continue;
    wanted.add(earlier.id);
    for (const id of earlier.patches.values()) wanted.add(id);
  }
  if (wanted.size === 0) return [];
  const found = [...store.mails.many([...wanted]), ...store.mails.answering([...wanted])];
  const out: Mail[] = [];
  for (const record of found) {
    if (records.has(record.messageId)) continue;
    records.set(record.messageId, record);
    try {
      out.push(await parseMail(record.raw));
    } catch {
      // Quarantined when it was first seen; nothing to take from it now.
    }
  }
  return out;
}

/** The series with its earlier version found among the series of earlier runs, when assembly (which
 * sees only this run's mails) found none. The rule is series/versions.ts's. */
export function withEarlierVersion(store: Store, series: Series, members: readonly SeriesMail[]): Series {
  const resend = members.some((m) => m.tag.prefixes.some((p) => /^RESEND$/i.test(p)));
  if (series.supersedes || (series.version <= 1 && !resend)) return series;
  const named = [...new Set(members.flatMap((m) => m.supersedes))];
  const pointsAt = [
    ...new Set(members.flatMap((m) => [...m.references, ...(m.inReplyTo ? [m.inReplyTo] : [])])),
  ];
  const query = {
    id: series.id,
    version: series.version,
    sender: series.sender.address,
    title: series.title,
    changeId: series.changeId,
    named,
    pointsAt,
    resend,
  };
  const candidates = store.series
    .versionCandidates({ ...query, pointsAt: [...named, ...pointsAt] })
    .map((s) => ({ ...s, messageIds: [s.id, ...s.patches.values()] }));
  const supersedes = earlierVersion(query, candidates);
  return supersedes ? { ...series, supersedes } : series;
}
