import { earlierVersion } from './versions.ts';
import type { Trailer } from '../mail/body.ts';
import { seriesFingerprint } from './fingerprint.ts';
import type { Series, SeriesMail as Mail } from './series.ts';

/** Trailers a reviewer may give; the reviewer's own address must be in the line. */
const REVIEW_TRAILERS = /^(reviewed|acked|tested|reported|suggested)-by$/i;

/** Parts sent without threading join a series by the same sender only within this time. */
const UNTHREADED_WINDOW_MS = 24 * 3600 * 1000;

/** mails → series. Parts are threaded to their series by In-Reply-To/References (shallow or deep
 * threading); parts sent without threading headers join the latest series by the same sender
 * with the same version and total that lacks their part. Pure. */
export function assembleSeries(mails: readonly Mail[]): Series[] {
  const byId = new Map(mails.map((m) => [m.messageId, m]));
  const headOf = headFinder(byId);
  const heads = new Map<string, Mail[]>();
  const groups: Mail[][] = [];
  for (const mail of mails) {
    if (mail.kind !== 'patch' && mail.kind !== 'cover') continue;
    const head = headOf(mail);
    let members = heads.get(head);
    if (!members && head === mail.messageId && mail.tag.part !== null) members = openGroup(groups, mail);
    if (!members) {
      members = [];
      groups.push(members);
    }
    heads.set(head, members);
    members.push(mail);
  }
  const replies = assignReplies(mails, groups, byId);
  const built = groups.map((members) => build(members, replies.get(members) ?? [], byId));
  const series = built.map((s) => asPartialReroll(s, built, byId) ?? s);
  return series.map((s) => ({ ...s, supersedes: s.supersedes ?? findSuperseded(s, series) }));
}

/** A series of only some parts, each answering the same part (or the cover letter) of an earlier
 * version from the same sender: a partial reroll. It becomes that version with those parts
 * replaced, at the new version; the other parts keep their trailers, the rerolled ones start
 * without any. */
function asPartialReroll(s: Series, all: readonly Series[], byId: ReadonlyMap<string, Mail>): Series | null {
  if (s.cover || s.complete || s.patches.size === 0) return null;
  let earlier: Series | undefined;
  for (const [part, mail] of s.patches) {
    const parent = mail.inReplyTo ? byId.get(mail.inReplyTo) : undefined;
    const target =
      parent && all.find((o) => o !== s && (o.cover === parent || o.patches.get(part) === parent));
    if (!target || (earlier && target !== earlier)) return null;
    earlier = target;
  }
  if (!earlier || earlier.sender.address !== s.sender.address || earlier.total !== s.total) return null;
  if (earlier.version > s.version) return null;
  const patches = new Map(earlier.patches);
  const replaced: Mail[] = [...earlier.replaced];
  const trailers = new Map(earlier.trailers);
  for (const [part, mail] of s.patches) {
    const old = patches.get(part);
    if (old) {
      replaced.push(old);
      trailers.delete(old.messageId);
    }
    patches.set(part, mail);
    trailers.set(mail.messageId, s.trailers.get(mail.messageId) ?? []);
  }
  return {
    ...s,
    title: earlier.title,
    cover: earlier.cover,
    patches,
    replaced,
    replies: [...earlier.replies, ...s.replies],
    complete: patches.size === s.total,
    fingerprint: fingerprintOf(patches, s.total),
    trailers,
    extras: [...earlier.extras, ...s.extras],
    supersedes: earlier.id,
  };
}

/** The latest group this unthreaded part can join, if any. */
function openGroup(groups: readonly Mail[][], mail: Mail): Mail[] | undefined {
  for (let i = groups.length - 1; i >= 0; i--) {
    const members = groups[i] as Mail[];
    const first = members[0];
    if (!first || first.from.address !== mail.from.address) continue;
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

/** Finds, for each part, the topmost cover or part of the same submission it is threaded under. */
function headFinder(byId: ReadonlyMap<string, Mail>): (mail: Mail) => string {
  const memo = new Map<string, string>();
  const parentOf = (mail: Mail): Mail | undefined => {
    if (mail.inReplyTo && byId.has(mail.inReplyTo)) return byId.get(mail.inReplyTo);
    for (let i = mail.references.length - 1; i >= 0; i--) {
      const parent = byId.get(mail.references[i] as string);
      if (parent) return parent;
    }
    return undefined;
  };
  const find = (mail: Mail, depth: number): string => {
    const known = memo.get(mail.messageId);
    if (known !== undefined) return known;
    const parent = parentOf(mail);
    const head = parent && depth < 1000 && joins(mail, parent) ? find(parent, depth + 1) : mail.messageId;
    memo.set(mail.messageId, head);
    return head;
  };
  return (mail) => find(mail, 0);
}

/** Whether a part threaded under `parent` belongs to the same series. A cover letter always starts
 * one; an unnumbered patch is its own; part 1 joins only a cover (under a patch it is a resend);
 * an unlabeled version takes its parent's. */
function joins(child: Mail, parent: Mail): boolean {
  if (child.kind !== 'patch' || child.tag.part === null) return false;
  if (parent.kind !== 'patch' && parent.kind !== 'cover') return false;
  if (parent.from.address !== child.from.address) return false;
  if (child.tag.versioned && parent.tag.version !== child.tag.version) return false;
  if (parent.tag.total !== null && child.tag.total !== null && parent.tag.total !== child.tag.total)
    return false;
  return parent.kind === 'cover' ? parent.tag.part === 0 : child.tag.part > 1 && parent.tag.part !== null;
}

/** Each reply belongs to the series of the nearest patch or cover above it in its thread. */
function assignReplies(
  mails: readonly Mail[],
  groups: readonly (readonly Mail[])[],
  byId: ReadonlyMap<string, Mail>,
): Map<readonly Mail[], Mail[]> {
  const groupOf = new Map<string, readonly Mail[]>();
  for (const members of groups) for (const m of members) groupOf.set(m.messageId, members);
  const out = new Map<readonly Mail[], Mail[]>();
  for (const mail of mails) {
    if (mail.kind !== 'reply') continue;
    const above = threadOf(mail, byId).find((a) => groupOf.has(a));
    if (above === undefined) continue;
    const members = groupOf.get(above) as readonly Mail[];
    const list = out.get(members) ?? [];
    list.push(mail);
    out.set(members, list);
  }
  return out;
}

/** A series from its members. Its head, which names it and gives its title, sender and version, is
 * the cover letter, else the lowest-numbered part. */
function build(members: readonly Mail[], replies: readonly Mail[], byId: ReadonlyMap<string, Mail>): Series {
  const cover = members.find((m) => m.kind === 'cover') ?? null;
  const patches = new Map<number, Mail>();
  const extras: Mail[] = [];
  const first = [...members].sort((a, b) => (a.tag.part ?? 1) - (b.tag.part ?? 1))[0];
  const total = cover?.tag.total ?? first?.tag.total ?? 1;
  const replaced: Mail[] = [];
  for (const mail of members) {
    if (mail.kind !== 'patch') continue;
    const part = mail.tag.part ?? 1;
    const existing = patches.get(part);
    if (existing && answers(mail, existing)) {
      // A replacement sent in reply to the part it replaces (`v5.1 10/12` under `v5 10/12`).
      replaced.push(existing);
      patches.set(part, mail);
    } else if (existing && answers(existing, mail)) {
      replaced.push(mail);
    } else if (existing || part > total || part < 1) extras.push(mail);
    else patches.set(part, mail);
  }
  const head = cover ?? first;
  return {
    id: head?.messageId ?? '',
    title: head?.tag.title ?? '',
    sender: head?.from ?? { name: '', address: '' },
    version: head?.tag.version ?? 1,
    total,
    cover,
    patches,
    replies,
    complete: patches.size === total,
    trailers: collectTrailers(cover, patches, replies, byId, replaced),
    extras,
    replaced,
    changeId: head?.changeId ?? null,
    fingerprint: fingerprintOf(patches, total),
    supersedes: null,
  };
}

function fingerprintOf(patches: ReadonlyMap<number, Mail>, total: number): string | null {
  if (patches.size !== total || [...patches.values()].some((m) => m.diff === undefined)) return null;
  return seriesFingerprint([...patches.entries()].sort(([a], [b]) => a - b).map(([, m]) => m.diff ?? ''));
}

function answers(mail: Mail, other: Mail): boolean {
  return mail.inReplyTo === other.messageId || mail.references.includes(other.messageId);
}

function threadOf(mail: Mail, byId: ReadonlyMap<string, Mail>): string[] {
  const seen: string[] = [];
  let next = mail.inReplyTo;
  while (next && !seen.includes(next)) {
    seen.push(next);
    next = byId.get(next)?.inReplyTo ?? null;
  }
  return [...seen, ...mail.references];
}

/** Review trailers from replies, per patch; a trailer given on the cover letter covers every patch,
 * except a replacement sent after it: the review was of the part it replaced. */
function collectTrailers(
  cover: Mail | null,
  patches: ReadonlyMap<number, Mail>,
  replies: readonly Mail[],
  byId: ReadonlyMap<string, Mail>,
  replaced: readonly Mail[] = [],
): Map<string, Trailer[]> {
  const replacements = new Set(
    [...patches.values()].filter((p) => replaced.some((r) => answers(p, r))).map((p) => p.messageId),
  );
  const out = new Map<string, Trailer[]>([...patches.values()].map((p) => [p.messageId, []]));
  for (const reply of replies) {
    const given = reply.trailers.filter(
      (t) => REVIEW_TRAILERS.test(t.key) && t.address === reply.from.address,
    );
    if (given.length === 0) continue;
    const target = threadOf(reply, byId).find((id) => out.has(id) || id === cover?.messageId);
    const targets =
      target === undefined
        ? []
        : target === cover?.messageId
          ? [...out.keys()].filter((id) => !replacements.has(id) || givenAfter(reply, byId.get(id)))
          : [target];
    for (const id of targets) {
      const list = out.get(id) ?? [];
      for (const t of given) if (!list.some((x) => x.value === t.value && x.key === t.key)) list.push(t);
      out.set(id, list);
    }
  }
  return out;
}

/** Whether `reply` was written after `mail` (by Date; without dates, not). */
function givenAfter(reply: Mail, mail: Mail | undefined): boolean {
  return Boolean(reply.date && mail?.date && reply.date.getTime() > mail.date.getTime());
}

/** The series this one replaces among those of the same batch (series/versions.ts has the rule). */
function findSuperseded(series: Series, all: readonly Series[]): string | null {
  const own = [series.cover, ...series.patches.values(), ...series.replies].filter((m) => m !== null);
  return earlierVersion(
    {
      id: series.id,
      version: series.version,
      sender: series.sender.address,
      title: series.title,
      changeId: series.changeId,
      named: own.flatMap((m) => m.supersedes),
      // Within one batch, threading already joined what belongs together; a reply chain between
      // two versions links them only across runs, where assembly cannot see both.
      pointsAt: [],
      resend: false,
    },
    all.map((s) => ({
      id: s.id,
      version: s.version,
      sender: s.sender.address,
      title: s.title,
      changeId: s.changeId,
      messageIds: [s.cover, ...s.patches.values(), ...s.extras]
        .filter((m) => m !== null)
        .map((m) => m.messageId),
    })),
  );
}
