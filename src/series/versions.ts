/** What the version rule needs to know of a series that might be an earlier version. */
export interface VersionCandidate {
  readonly id: string;
  readonly version: number;
  readonly sender: string;
  readonly title: string;
  readonly changeId: string | null;
  /** The Message-IDs of its cover letter and parts. */
  readonly messageIds: readonly string[];
}

/** The series looking for the version it replaces. */
export interface VersionQuery {
  readonly id: string;
  readonly version: number;
  readonly sender: string;
  readonly title: string;
  readonly changeId: string | null;
  /** Message-IDs named by "Supersedes:" lines in the series or a reply to it. */
  readonly named: readonly string[];
  /** Message-IDs its mails answer (In-Reply-To, References). */
  readonly pointsAt: readonly string[];
  /** A RESEND of the same version replaces the earlier sending too. */
  readonly resend: boolean;
}

/**
 * The series `q` replaces, among `candidates` (in the order they were first seen), or null. The
 * only copy of the rule, for versions within one batch of mail (assembly) and across runs (the
 * store's series): a series named by a "Supersedes:" line; else the newest earlier version that
 * its mails answer; else the newest earlier version with the same change-id (b4's topic id) or from
 * the same sender with the same title. "Earlier" is a lower version, or the same one for a RESEND.
 */
export function earlierVersion(q: VersionQuery, candidates: readonly VersionCandidate[]): string | null {
  const others = candidates.filter((c) => c.id !== q.id);
  const named = new Set(q.named);
  if (named.size > 0) {
    const target = others.find((c) => c.messageIds.some((id) => named.has(id)));
    if (target) return target.id;
  }
  const older = others.filter((c) => (q.resend ? c.version <= q.version : c.version < q.version));
  const pointed = new Set(q.pointsAt);
  const answered = older.filter((c) => c.messageIds.some((id) => pointed.has(id)));
  const alike = older.filter(
    (c) =>
      (q.changeId !== null && c.changeId === q.changeId) || (c.sender === q.sender && c.title === q.title),
  );
  return newest(answered) ?? newest(alike);
}

/** The highest version; among equals, the one seen last. */
function newest(list: readonly VersionCandidate[]): string | null {
  let best: VersionCandidate | null = null;
  for (const c of list) if (!best || c.version >= best.version) best = c;
  return best?.id ?? null;
}
