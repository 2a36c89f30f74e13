import { authenticates, type AuthOutcome, type Authenticity } from './authenticity.ts';
import { senderAllowed } from './senders.ts';

export type AuthenticityPolicy = 'ignore' | 'prefer' | 'require';

/** The trust rules of one project: who may have series applied and what their mail must prove. */
export interface SenderPolicy {
  readonly project: string;
  /** Allowed senders (senders.ts); null lets everyone in. */
  readonly senders: readonly string[] | null;
  readonly authenticity: AuthenticityPolicy;
  readonly arcSealers: readonly string[];
}

/** A mail of a series as the rules see it: who sent it, what it is, what verifying it found. */
export interface MemberFacts {
  readonly messageId: string;
  readonly from: string;
  /** "cover letter", "patch 2/3". */
  readonly label: string;
  readonly authenticity: Authenticity | null;
}

/**
 * Why a complete series must be held (recorded, not applied, not built) under `policy`, or null to
 * let it go on. Every mail of it counts, not only the first: a part sent by someone else, or with
 * a forged From:, cannot complete another person's series. Pure.
 */
export function holdReason(members: readonly MemberFacts[], policy: SenderPolicy): string | null {
  for (const m of members) {
    if (!senderAllowed(m.from, policy.senders))
      return `${m.from} is not among the senders allowed for ${policy.project} (trust.senders)`;
  }
  if (policy.authenticity !== 'require') return null;
  for (const m of members) {
    const outcome = authenticates(m.authenticity, policy.arcSealers);
    if (!outcome.ok) return `the ${m.label} from ${m.from} is not authenticated: ${outcome.reason}`;
  }
  return null;
}

/** Under `prefer`: one line per mail of the series that does not prove its sender, for the merge
 * request and the report. Empty under `ignore`, and when every mail proves it. Pure. */
export function authenticityNotes(members: readonly MemberFacts[], policy: SenderPolicy): string[] {
  if (policy.authenticity === 'ignore') return [];
  return members.flatMap((m) => {
    const outcome = authenticates(m.authenticity, policy.arcSealers);
    return outcome.ok ? [] : [`the ${m.label} from ${m.from} is not authenticated: ${outcome.reason}`];
  });
}

/** Whether a reply's review trailers count: its sender passes the same rules as a series' sender
 * (allowed, and authenticated where the project requires it), so that a forged From: cannot put a
 * Reviewed-by in someone else's name. Pure. */
export function reviewerCounts(m: Omit<MemberFacts, 'label'>, policy: SenderPolicy): boolean {
  if (!senderAllowed(m.from, policy.senders)) return false;
  if (policy.authenticity !== 'require') return true;
  const outcome: AuthOutcome = authenticates(m.authenticity, policy.arcSealers);
  return outcome.ok;
}
