import { sameSubmitter, type SenderLinks, type Submitter } from './sender.ts';

/** What the version rule needs to know of a series that might be an earlier version. */
export interface VersionCandidate {
  readonly id: string;
  readonly version: number;
  readonly sender: Submitter;
  readonly title: string;
  readonly changeId: string | null;
  /** The Message-IDs of its cover letter and parts. */
  readonly messageIds: readonly string[];
}

/** The series looking for the version it replaces. */
export interface VersionQuery {
  readonly id: string;
  readonly version: number;
  readonly sender: Submitter;
  readonly title: string;
  readonly changeId: string | null;
  /** Message-IDs named by "Supersedes:" lines in the series or a reply to it. */
  readonly named: readonly string[];
  /** Message-IDs its cover letter and parts answer (In-Reply-To, References). */
  readonly pointsAt: readonly string[];
  /** A RESEND of the same version replaces the earlier sending too. */
  readonly resend: boolean;
}

/** A link the series asked for but may not have: it points at another person's series. */
export interface RefusedLink {
  /** The other person's series, which stays untouched. */
  readonly series: string;
  readonly via: 'supersedes' | 'reply' | 'change-id';
  /** The other series' sender, for the report. */
  readonly sender: string;
}

export interface VersionLink {
  /** The series `q` replaces, or null. */
  readonly supersedes: string | null;
  readonly refused: readonly RefusedLink[];
}

/**
 * The series `q` replaces, among `candidates` (in the order they were first seen). The only copy
 * of the rule, for versions within one batch of mail (assembly) and across runs (the store's
 * series). In order: a series named by a "Supersedes:" line; else the newest earlier version its
 * cover letter or parts answer (the reply chain, which tells apart people who share one From:),
 * or a later version than that one by the same person with this one's title or change-id (every
 * version sent under v1's cover letter);
 * else the newest earlier version with the same change-id (b4's topic id); else the newest
 * earlier version from the same sender with the same title. "Earlier" is a lower version, or the
 * same one for a RESEND. Only a series from the same person may be replaced (sender.ts): a
 * Supersedes:, reply chain or change-id pointing at someone else's series is refused, listed in
 * `refused`, and that series is left alone.
 */
export function earlierVersion(
  q: VersionQuery,
  candidates: readonly VersionCandidate[],
  links?: SenderLinks,
): VersionLink {
  const others = candidates.filter((c) => c.id !== q.id);
  const own = (c: VersionCandidate) => sameSubmitter(q.sender, c.sender, links);
  const refused: RefusedLink[] = [];
  const refuse = (list: readonly VersionCandidate[], via: RefusedLink['via']) => {
    for (const c of list)
      if (!own(c) && !refused.some((r) => r.series === c.id))
        refused.push({ series: c.id, via, sender: c.sender.address });
    return list.filter(own);
  };

  const named = new Set(q.named);
  const namedTargets = refuse(
    others.filter((c) => c.messageIds.some((id) => named.has(id))),
    'supersedes',
  );
  const older = others.filter((c) => (q.resend ? c.version <= q.version : c.version < q.version));
  const pointed = new Set(q.pointsAt);
  const answered = refuse(
    older.filter((c) => c.messageIds.some((id) => pointed.has(id))),
    'reply',
  );
  const sameTopic = refuse(
    older.filter((c) => q.changeId !== null && c.changeId === q.changeId),
    'change-id',
  );
  const alike = older.filter((c) => own(c) && c.title === q.title);
  // The chain names the submission; within it, the newest earlier version is replaced (a v3 sent
  // under v1's cover letter, as v2 was, replaces v2): one of the same person, with the title or
  // the change-id of this one.
  const chained = newestOf(answered);
  const latest =
    chained &&
    newestOf([
      chained,
      ...older.filter(
        (c) =>
          own(c) &&
          c.version > chained.version &&
          (c.title === q.title || (q.changeId !== null && c.changeId === q.changeId)),
      ),
    ]);
  const supersedes = namedTargets[0]?.id ?? latest?.id ?? newest(sameTopic) ?? newest(alike);
  return { supersedes, refused: refused.filter((r) => r.series !== supersedes) };
}

/** The highest version; among equals, the one seen last. */
function newest(list: readonly VersionCandidate[]): string | null {
  return newestOf(list)?.id ?? null;
}

function newestOf(list: readonly VersionCandidate[]): VersionCandidate | null {
  let best: VersionCandidate | null = null;
  for (const c of list) if (!best || c.version >= best.version) best = c;
  return best;
}

/**
 * The candidates `earlierVersion` could pick or refuse for a query, found through an index built
 * once: those sharing a Message-ID with what the query names or answers, its change-id, or its
 * title, in their original order. `earlierVersion(q, narrow(q))` is `earlierVersion(q, all)`;
 * it only saves comparing every series of a long archive with every other.
 */
export function candidateIndex(
  candidates: readonly VersionCandidate[],
): (q: VersionQuery) => VersionCandidate[] {
  const byMessageId = new Map<string, number[]>();
  const byChangeId = new Map<string, number[]>();
  const byTitle = new Map<string, number[]>();
  const add = (map: Map<string, number[]>, key: string, at: number) => {
    const list = map.get(key);
    if (list === undefined) map.set(key, [at]);
    else if (list.at(-1) !== at) list.push(at);
  };
  candidates.forEach((c, at) => {
    for (const id of c.messageIds) add(byMessageId, id, at);
    if (c.changeId !== null) add(byChangeId, c.changeId, at);
    add(byTitle, c.title, at);
  });
  return (q) => {
    const found = new Set<number>();
    const take = (list: readonly number[] | undefined) => list?.forEach((at) => found.add(at));
    for (const id of q.named) take(byMessageId.get(id));
    for (const id of q.pointsAt) take(byMessageId.get(id));
    if (q.changeId !== null) take(byChangeId.get(q.changeId));
    take(byTitle.get(q.title));
    return [...found].sort((a, b) => a - b).map((at) => candidates[at] as VersionCandidate);
  };
}
