import type { Config } from '../../config/schema.ts';
import type { MailFacts } from '../../ports/store.ts';
import { renderHeld } from '../../render/held.ts';
import { orderedPatches, type Series, type SeriesMail } from '../../series/series.ts';
import { authenticates } from '../../trust/authenticity.ts';
import { holdReason, reviewerCounts, type MemberFacts, type SenderPolicy } from '../../trust/hold.ts';
import { queueMail } from '../../work/outbox.ts';
import type { Deps } from '../deps.ts';
import { whyNotAnswer } from '../report/answer.ts';

/** The trust rules of `project`: its own `trust` over the global one. */
export function senderPolicy(config: Config, project: string): SenderPolicy {
  const own = config.projects[project]?.trust;
  return {
    project,
    senders: own?.senders ?? config.trust.senders ?? null,
    authenticity: own?.authenticity ?? config.trust.authenticity,
    arcSealers: config.trust.arcSealers,
  };
}

/** The mails of a series that are applied (cover letter and patches), as the rules see them. */
export function memberFacts(series: Series, records: ReadonlyMap<string, MailFacts>): MemberFacts[] {
  const facts = (m: SeriesMail, label: string): MemberFacts => ({
    messageId: m.messageId,
    from: m.from.address,
    label,
    authenticity: records.get(m.messageId)?.authenticity ?? null,
  });
  return [
    ...(series.cover ? [facts(series.cover, 'cover letter')] : []),
    ...orderedPatches(series).map((p, i) => facts(p, `patch ${i + 1}/${series.total}`)),
  ];
}

/**
 * The series with only the review trailers given by replies whose senders pass the project's
 * rules (trust/hold.ts, reviewerCounts): a Reviewed-by under a forged From:, or from someone the
 * project does not trust, is not folded into the commits.
 */
export function withTrustedTrailers(
  series: Series,
  policy: SenderPolicy,
  records: ReadonlyMap<string, MailFacts>,
): Series {
  // Trailers carried from an earlier version count by the replies to that version that gave them.
  const counted = [...series.replies, ...series.carried].filter((r) =>
    reviewerCounts(
      {
        messageId: r.messageId,
        from: r.from.address,
        authenticity: records.get(r.messageId)?.authenticity ?? null,
      },
      policy,
    ),
  );
  const trailers = new Map(
    [...series.trailers].map(([id, list]) => [
      id,
      list.filter((t) =>
        // Assembly kept only trailers naming their replying reviewer (address or exact name).
        counted.some((r) => r.trailers.some((x) => x.key === t.key && x.value === t.value)),
      ),
    ]),
  );
  return { ...series, trailers };
}

export interface Held {
  readonly series: string;
  readonly project: string;
  readonly sender: string;
  readonly reason: string;
}

/**
 * Why its project's rules hold a complete series (holdSeries then holds it), or null when it may
 * go on: its sender is allowed, or `patchferry release` named it. A series held by an earlier run
 * that goes on now has its "held" notice cancelled if not sent yet.
 */
export function holdVerdict(
  deps: Pick<Deps, 'config' | 'store' | 'log'>,
  series: Series,
  route: { repo: string; branch: string },
  members: readonly SeriesMail[],
  records: ReadonlyMap<string, MailFacts>,
): string | null {
  const policy = senderPolicy(deps.config, route.repo);
  const reason = holdReason(memberFacts(series, records), policy);
  const { store } = deps;
  // Let through now (its sender added to trust.senders, or released below): a "held" notice not sent
  // yet would tell the sender the opposite of the report that follows it. Only a series held by an
  // earlier run has one; the others cost no write.
  const wasHeld = heldBefore(members, records);
  const goesOn = (why: string) => {
    if (wasHeld && store.work.cancel(`series:${series.id}:held`, why))
      deps.log.info({ series: series.id }, 'held notice not sent: the series goes on');
    return null;
  };
  if (reason === null) return goesOn('the sender is allowed now');
  // A maintainer let this series through once (patchferry release): it goes on, its sender stays
  // untrusted for the next one.
  const released = store.releases.among([series.id, ...members.map((m) => m.messageId)]);
  if (released) {
    deps.log.info(
      { series: series.id, reason, releasedBy: released.by, releasedAt: released.at },
      'held series released by a maintainer',
    );
    return goesOn(`released by ${released.by}`);
  }
  return reason;
}

/** Whether an earlier run held the series (its mails carry the outcome). */
export function heldBefore(members: readonly SeriesMail[], records: ReadonlyMap<string, MailFacts>): boolean {
  return members.some((m) => records.get(m.messageId)?.outcome === 'held');
}

/**
 * Holds a complete series for `reason` (holdVerdict's): its mails stay open (each run looks at
 * them again, so adding the sender to trust.senders, or `patchferry release` naming one of its
 * mails, lets the series go on at the next run), and the sender is told once (trust.tellHeld)
 * unless the mail must not be answered. Returns what was held.
 */
export function holdSeries(
  deps: Pick<Deps, 'config' | 'store' | 'log'>,
  series: Series,
  route: { repo: string; branch: string },
  head: SeriesMail,
  members: readonly SeriesMail[],
  records: ReadonlyMap<string, MailFacts>,
  reason: string,
): Held {
  const { store } = deps;
  const policy = senderPolicy(deps.config, route.repo);
  // State new: every run looks at the series again (not only when new mail touches it), so a
  // sender added to trust.senders lets it go on at the next run.
  for (const m of members)
    store.mails.setState(m.messageId, { state: 'new', outcome: 'held', reason, kind: m.kind });
  if (deps.config.trust.tellHeld) {
    const auth = authenticates(records.get(head.messageId)?.authenticity ?? null, policy.arcSealers);
    const unauthenticated = policy.authenticity === 'require' && !auth.ok ? auth.reason : null;
    const silent = whyNotAnswer(deps, head.messageId, unauthenticated);
    if (silent === null) {
      const notice = renderHeld({
        subject: head.subject,
        sender: head.from,
        messageId: head.messageId,
        references: head.references,
        project: route.repo,
        branch: route.branch,
        reason,
      });
      queueMail(store.work, `series:${series.id}:held`, notice, series.id);
    } else deps.log.info({ series: series.id, why: silent }, 'held series not answered');
  }
  deps.log.info({ series: series.id, reason }, 'series held');
  return { series: series.id, project: route.repo, sender: series.sender.address, reason };
}
