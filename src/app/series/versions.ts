import type { Mail } from '../../mail/mail.ts';
import { parseMail } from '../../mail/parse.ts';
import { assembleSeries } from '../../series/assemble.ts';
import type { SenderLinks, Submitter } from '../../series/sender.ts';
import type { Series, SeriesMail } from '../../series/series.ts';
import { carryTrailers } from '../../series/trailers.ts';
import { earlierVersion } from '../../series/versions.ts';
import type { MailFacts, SeriesRecord, Store } from '../../ports/store.ts';

/** Versions of a series across runs: assembly sees one run's mails; the store remembers the rest. */

/** The mails of series recorded by earlier runs that open patches answer as partial rerolls (a lone
 * `v3 2/2` replying to v2's 2/2): their parts, cover letter and replies, so that assembly rebuilds
 * the series with the rerolled parts in place and the others keep their trailers. Added to
 * `records` (their facts, not their bytes); their own states are left as they are. */
export async function rerollContext(
  store: Store,
  mails: readonly SeriesMail[],
  records: Map<string, MailFacts>,
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
    const { raw, ...facts } = record;
    records.set(record.messageId, facts);
    try {
      out.push(await parseMail(raw));
    } catch {
      // Quarantined when it was first seen; nothing to take from it now.
    }
  }
  return out;
}

/** The series with its earlier version found among the series of earlier runs, when assembly (which
 * sees only this run's mails) found none. The rule is series/versions.ts's; a candidate's sender
 * name and in-body author are read from its first part as recorded. */
export async function withEarlierVersion(
  store: Store,
  series: Series,
  members: readonly SeriesMail[],
  links: SenderLinks,
): Promise<Series> {
  const resend = members.some((m) => m.tag.prefixes.some((p) => /^RESEND$/i.test(p)));
  if (series.supersedes || (series.version <= 1 && !resend)) return series;
  const named = [...new Set(members.flatMap((m) => m.supersedes))];
  const heads = [series.cover, ...series.patches.values()].filter((m) => m !== null);
  const pointsAt = [
    ...new Set(heads.flatMap((m) => [...m.references, ...(m.inReplyTo ? [m.inReplyTo] : [])])),
  ];
  const query = {
    id: series.id,
    version: series.version,
    sender: { ...series.sender, author: series.author },
    title: series.title,
    changeId: series.changeId,
    named,
    pointsAt,
    resend,
  };
  const records = store.series.versionCandidates({
    id: series.id,
    pointsAt: [...named, ...pointsAt],
    sender: series.sender.address,
    title: series.title,
    changeId: series.changeId,
  });
  const candidates = [];
  for (const record of records) {
    candidates.push({
      id: record.id,
      version: record.version,
      sender: await recordedSubmitter(store, record),
      title: record.title,
      changeId: record.changeId,
      messageIds: [record.id, ...record.patches.values()],
    });
  }
  const link = earlierVersion(query, candidates, links);
  if (!link.supersedes && link.refused.length === 0) return series;
  return { ...series, supersedes: link.supersedes, refused: [...series.refused, ...link.refused] };
}

/** Who sent a recorded series: the From: of its first part (or cover letter) and its in-body
 * author, parsed again from the recorded mail. */
async function recordedSubmitter(store: Store, record: SeriesRecord): Promise<Submitter> {
  const first = record.patches.get(1) ?? record.id;
  const [raw] = store.mails.many([first]);
  if (raw) {
    try {
      const mail = await parseMail(raw.raw);
      return { name: mail.from.name, address: mail.from.address, author: mail.author };
    } catch {
      // Quarantined when it was first seen: the recorded address is all there is.
    }
  }
  return { name: '', address: record.sender, author: null };
}

/** The series with the trailers its earlier versions recorded in earlier runs carried over to the
 * patches it sends again unchanged (series/trailers.ts): the earlier versions' mails and the
 * replies to them are read back and assembled again. */
export async function withCarriedTrailers(store: Store, series: Series, links: SenderLinks): Promise<Series> {
  const chain: SeriesRecord[] = [];
  let id = series.supersedes;
  while (id && chain.length < 10 && !chain.some((r) => r.id === id)) {
    const record = store.series.get(id);
    if (!record) break;
    chain.push(record);
    id = record.supersedes;
  }
  if (chain.length === 0) return series;
  const ids = chain.flatMap((r) => [r.id, ...r.patches.values()]);
  const own = new Set([series.id, ...[...series.patches.values()].map((p) => p.messageId)]);
  const mails: Mail[] = [];
  const seen = new Set<string>();
  for (const record of [...store.mails.many(ids), ...store.mails.answering(ids)]) {
    if (seen.has(record.messageId) || own.has(record.messageId)) continue;
    seen.add(record.messageId);
    try {
      mails.push(await parseMail(record.raw));
    } catch {
      // Quarantined when it was first seen.
    }
  }
  const earlier = assembleSeries(mails, { links }).find((s) => s.id === series.supersedes);
  return earlier ? carryTrailers(series, earlier) : series;
}
