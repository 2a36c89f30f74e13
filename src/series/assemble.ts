import { answers, fingerprintOf, isComplete } from './parts.ts';
import { asPartialReroll } from './reroll.ts';
import type { SenderLinks } from './sender.ts';
import type { Series, SeriesMail as Mail } from './series.ts';
import { carryTrailers, collectTrailers } from './trailers.ts';
import { candidateIndex, earlierVersion, type VersionCandidate, type VersionQuery } from './versions.ts';

/** Parts sent without threading join a series by the same sender only within this time. */
const UNTHREADED_WINDOW_MS = 24 * 3600 * 1000;

export interface AssembleOptions {
  /** Addresses the configuration says are one person's (sender.ts). */
  readonly links?: SenderLinks;
}

/** mails → series, in the order their first mail came. A cover letter's subject sent back in
 * answer to it is a reply (echoesCover). Parts are threaded to their series by
 * In-Reply-To/References (shallow or deep threading); a part whose number is already taken in the
 * series above it starts a new series (patchwork's rule: a second series sent into the thread of a
 * first), which the next parts sent the same way join; parts sent without threading headers join the latest series by the same sender with the
 * same version and total that lacks their part. Pure. */
export function assembleSeries(input: readonly Mail[], options: AssembleOptions = {}): Series[] {
  const byId = new Map(input.map((m) => [m.messageId, m]));
  const echoes = input.filter((m) => echoesCover(m, byId));
  for (const m of echoes) byId.set(m.messageId, { ...m, kind: 'reply' });
  const mails = echoes.length === 0 ? input : input.map((m) => byId.get(m.messageId) ?? m);
  const groups = groupParts(mails, byId);
  const threadOf = (mail: Mail) => threadIds(mail, byId);
  const replies = assignReplies(mails, groups, threadOf);
  const built = groups.map((members) => build(members, replies.get(members) ?? [], threadOf));
  const series = built.map((s) => asPartialReroll(s, built, byId, threadOf, options.links) ?? s);
  const candidates = candidateIndex(series.map(candidateOf));
  const linked = series.map((s) => {
    if (s.supersedes) return s;
    const link = findSuperseded(s, candidates, options.links);
    return { ...s, supersedes: link.supersedes, refused: link.refused };
  });
  const byIdOfSeries = new Map(linked.map((s) => [s.id, s]));
  // Trailers follow the patch: carried from each earlier version, oldest first.
  const carried = new Map<string, Series>();
  const withCarried = (s: Series, depth = 0): Series => {
    const known = carried.get(s.id);
    if (known) return known;
    const earlier = s.supersedes ? byIdOfSeries.get(s.supersedes) : undefined;
    const out = earlier && depth < 100 ? carryTrailers(s, withCarried(earlier, depth + 1)) : s;
    carried.set(s.id, out);
    return out;
  };
  return linked.map((s) => withCarried(s));
}

/** The mails of each series: covers and patches grouped by their thread, in arrival order. */
function groupParts(mails: readonly Mail[], byId: ReadonlyMap<string, Mail>): Mail[][] {
  const groups: Mail[][] = [];
  const groupOf = new Map<string, Mail[]>();
  // The groups each sender (lower-cased address) started, in order: where an unthreaded part looks.
  const bySender = new Map<string, Mail[][]>();
  // The groups started in a thread by parts whose number was taken there: a second series sent
  // into the thread, whose further parts join it.
  const splits = new Map<Mail[], Mail[][]>();
  const place = (mail: Mail, depth: number): Mail[] => {
    const known = groupOf.get(mail.messageId);
    if (known) return known;
    const parent = parentOf(mail, byId);
    let members: Mail[] | undefined;
    let threaded = false;
    let splitFrom: Mail[] | undefined;
    if (parent && depth < 1000 && joins(mail, parent)) {
      threaded = true;
      const above = place(parent, depth + 1);
      if (!taken(above, mail)) members = above;
      else {
        members = openGroup(splits.get(above) ?? [], mail);
        splitFrom = above;
      }
    }
    const sender = mail.from.address.toLowerCase();
    if (!members && !threaded && mail.tag.part !== null && mail.kind === 'patch')
      members = openGroup(bySender.get(sender) ?? [], mail);
    if (!members) {
      members = [];
      groups.push(members);
      const own = bySender.get(sender);
      if (own) own.push(members);
      else bySender.set(sender, [members]);
      if (splitFrom) splits.set(splitFrom, [...(splits.get(splitFrom) ?? []), members]);
    }
    members.push(mail);
    groupOf.set(mail.messageId, members);
    return members;
  };
  for (const mail of mails) if (mail.kind === 'patch' || mail.kind === 'cover') place(mail, 0);
  return groups;
}

/** Whether the part `mail` claims is held already in `members` by a part it does not replace. */
function taken(members: readonly Mail[], mail: Mail): boolean {
  if (mail.kind !== 'patch') return false;
  return members.some(
    (m) => m.kind === 'patch' && m.tag.part === mail.tag.part && !answers(mail, m) && !answers(m, mail),
  );
}

/** The latest group this unthreaded part can join, if any, among those its sender started. */
function openGroup(groups: readonly Mail[][], mail: Mail): Mail[] | undefined {
  for (let i = groups.length - 1; i >= 0; i--) {
    const members = groups[i] as Mail[];
    const first = members[0];
    if (!first || first.from.address.toLowerCase() !== mail.from.address.toLowerCase()) continue;
    if (
      first.tag.version !== mail.tag.version ||
      first.tag.total !== mail.tag.total ||
      first.tag.total === null
    )
      continue;
    if (members.some((m) => m.tag.part === mail.tag.part)) continue;
    const apart = first.date && mail.date ? Math.abs(first.date.getTime() - mail.date.getTime()) : 0;
    if (apart <= UNTHREADED_WINDOW_MS) return members;
  }
  return undefined;
}

/** A "cover letter" that answers a mail of the same subject (the same title, version and part
 * number): a reply whose client sent the subject back without "Re:", not a new series. A RESEND
 * of the cover letter stays one. */
function echoesCover(mail: Mail, byId: ReadonlyMap<string, Mail>): boolean {
  if (mail.kind !== 'cover' || mail.tag.prefixes.includes('RESEND')) return false;
  const parent = parentOf(mail, byId);
  return (
    parent !== undefined &&
    parent.tag.title === mail.tag.title &&
    parent.tag.version === mail.tag.version &&
    parent.tag.part === mail.tag.part &&
    parent.tag.total === mail.tag.total
  );
}

function parentOf(mail: Mail, byId: ReadonlyMap<string, Mail>): Mail | undefined {
  if (mail.inReplyTo && byId.has(mail.inReplyTo)) return byId.get(mail.inReplyTo);
  for (let i = mail.references.length - 1; i >= 0; i--) {
    const parent = byId.get(mail.references[i] as string);
    if (parent) return parent;
  }
  return undefined;
}

/** Whether a part threaded under `parent` belongs to the same series. A cover letter always starts
 * one; an unnumbered patch is its own; part 1 joins only a cover (under a patch it is a resend);
 * an unlabeled version takes its parent's. A thread root without a tag or a diff, from the part's
 * own sender, is a naked cover letter. */
function joins(child: Mail, parent: Mail): boolean {
  if (child.kind !== 'patch' || child.tag.part === null) return false;
  if (parent.from.address.toLowerCase() !== child.from.address.toLowerCase()) return false;
  if (isNakedCover(parent)) return true;
  if (parent.kind !== 'patch' && parent.kind !== 'cover') return false;
  if (child.tag.versioned && parent.tag.version !== child.tag.version) return false;
  if (parent.tag.total !== null && child.tag.total !== null && parent.tag.total !== child.tag.total)
    return false;
  return parent.kind === 'cover' ? parent.tag.part === 0 : child.tag.part > 1 && parent.tag.part !== null;
}

/** An untagged mail that starts a thread and carries no diff: a cover letter when its own author's
 * numbered parts answer it (git send-email --compose without a [PATCH 0/N] subject). */
function isNakedCover(mail: Mail): boolean {
  return mail.kind === 'other' && mail.inReplyTo === null && mail.references.length === 0;
}

/** Each reply belongs to the series of the nearest patch or cover above it in its thread. */
function assignReplies(
  mails: readonly Mail[],
  groups: readonly (readonly Mail[])[],
  threadOf: (mail: Mail) => readonly string[],
): Map<readonly Mail[], Mail[]> {
  const groupOf = new Map<string, readonly Mail[]>();
  for (const members of groups) for (const m of members) groupOf.set(m.messageId, members);
  const out = new Map<readonly Mail[], Mail[]>();
  for (const mail of mails) {
    if (mail.kind !== 'reply') continue;
    const above = threadOf(mail).find((a) => groupOf.has(a));
    if (above === undefined) continue;
    const members = groupOf.get(above) as readonly Mail[];
    const list = out.get(members) ?? [];
    list.push(mail);
    out.set(members, list);
  }
  return out;
}

/** A series from its members. Its head, which names it and gives its title, sender and version, is
 * the cover letter, else the lowest-numbered part. Parts numbered past the total are extras: they
 * come after the last part, as patchwork counts them. */
function build(
  members: readonly Mail[],
  replies: readonly Mail[],
  threadOf: (mail: Mail) => readonly string[],
): Series {
  const cover = members.find((m) => m.kind === 'cover' || m.kind === 'other') ?? null;
  const patches = new Map<number, Mail>();
  const extras: Mail[] = [];
  const parts = members.filter((m) => m.kind === 'patch');
  const first = [...parts].sort((a, b) => (a.tag.part ?? 1) - (b.tag.part ?? 1))[0];
  const total = (cover?.tag.part === 0 ? cover.tag.total : null) ?? first?.tag.total ?? 1;
  const replaced: Mail[] = [];
  for (const mail of parts) {
    const part = mail.tag.part ?? 1;
    const existing = patches.get(part);
    if (existing && answers(mail, existing)) {
      // A replacement sent in reply to the part it replaces (`v5.1 10/12` under `v5 10/12`).
      replaced.push(existing);
      patches.set(part, mail);
    } else if (existing && answers(existing, mail)) {
      replaced.push(mail);
    } else if (existing || part < 1) extras.push(mail);
    else {
      patches.set(part, mail);
      if (part > total) extras.push(mail);
    }
  }
  const head = cover ?? first;
  // A naked cover letter names no version; its parts do.
  const version =
    cover && (cover.tag.versioned || !first?.tag.versioned) ? cover.tag.version : first?.tag.version;
  return {
    id: head?.messageId ?? '',
    title: head?.tag.title ?? '',
    sender: head?.from ?? { name: '', address: '' },
    author: parts.find((p) => p.author)?.author ?? null,
    version: version ?? 1,
    total,
    cover,
    pull: cover?.pull ?? null,
    patches,
    replies,
    carried: [],
    complete: isComplete(patches, total),
    trailers: collectTrailers(cover, patches, replies, threadOf, replaced),
    extras,
    replaced,
    changeId: head?.changeId ?? null,
    fingerprint: fingerprintOf(patches, total),
    supersedes: null,
    refused: [],
  };
}

/** The Message-IDs above a mail in its thread, nearest first. */
function threadIds(mail: Mail, byId: ReadonlyMap<string, Mail>): string[] {
  const seen: string[] = [];
  let next = mail.inReplyTo;
  while (next && !seen.includes(next)) {
    seen.push(next);
    next = byId.get(next)?.inReplyTo ?? null;
  }
  return [...seen, ...[...mail.references].reverse()];
}

/** The series this one replaces among those of the same batch (series/versions.ts has the rule). */
function findSuperseded(
  series: Series,
  candidates: (q: VersionQuery) => VersionCandidate[],
  links: SenderLinks | undefined,
) {
  const own = [series.cover, ...series.patches.values(), ...series.replies].filter((m) => m !== null);
  const heads = [series.cover, ...series.patches.values()].filter((m) => m !== null);
  const query: VersionQuery = {
    id: series.id,
    version: series.version,
    sender: { ...series.sender, author: series.author },
    title: series.title,
    changeId: series.changeId,
    named: own.flatMap((m) => m.supersedes),
    pointsAt: heads.flatMap((m) => [...(m.inReplyTo ? [m.inReplyTo] : []), ...m.references]),
    // Within one batch a RESEND is the same version sent twice: an identical resend is found by
    // its fingerprint when applied, so it does not replace the first sending here.
    resend: false,
  };
  return earlierVersion(query, candidates(query), links);
}

function candidateOf(s: Series): VersionCandidate {
  return {
    id: s.id,
    version: s.version,
    sender: { ...s.sender, author: s.author },
    title: s.title,
    changeId: s.changeId,
    messageIds: [s.cover, ...s.patches.values(), ...s.extras, ...s.replaced]
      .filter((m) => m !== null)
      .map((m) => m.messageId),
  };
}
