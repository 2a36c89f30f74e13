import type { Trailer } from '../mail/body.ts';
import type { Series, SeriesMail as Mail } from './series.ts';

/** Trailers a reviewer may give; the reviewer's own address must be in the line. */
const REVIEW_TRAILERS = /^(reviewed|acked|tested|reported|suggested)-by$/i;

/** mails → series. Threads by In-Reply-To/References; a part without threading headers joins the
 * nearest earlier first part by the same sender with the same version and total. Pure. */
export function assembleSeries(mails: readonly Mail[]): Series[] {
  const byId = new Map(mails.map((m) => [m.messageId, m]));
  const heads = new Map<string, Mail[]>();
  const unthreaded: Mail[] = [];
  for (const mail of mails) {
    if (mail.kind !== 'patch' && mail.kind !== 'cover') continue;
    const head = findHead(mail, byId);
    if (head === mail.messageId && mail.tag.part !== null && mail.tag.part > 1) {
      unthreaded.push(mail);
      continue;
    }
    const list = heads.get(head) ?? [];
    list.push(mail);
    heads.set(head, list);
  }
  for (const mail of unthreaded) {
    const head = [...heads.entries()].find(([, members]) =>
      members.some(
        (m) =>
          m.from.address === mail.from.address &&
          m.tag.version === mail.tag.version &&
          m.tag.total === mail.tag.total,
      ),
    );
    if (head) head[1].push(mail);
    else heads.set(mail.messageId, [mail]);
  }

  const repliesBySeries = assignReplies(mails, heads, byId);
  const series = [...heads.entries()].map(([id, members]) =>
    build(id, members, repliesBySeries.get(id) ?? [], byId),
  );
  return series.map((s) => ({ ...s, supersedes: findSuperseded(s, series) }));
}

/** The topmost patch or cover of the same version and sender this mail is threaded under. */
function findHead(mail: Mail, byId: ReadonlyMap<string, Mail>): string {
  let head = mail.messageId;
  const ancestors = [mail.inReplyTo, ...[...mail.references].reverse()].filter(
    (id): id is string => id !== null,
  );
  for (const id of ancestors) {
    const parent = byId.get(id);
    if (!parent || (parent.kind !== 'patch' && parent.kind !== 'cover')) continue;
    if (parent.tag.version !== mail.tag.version || parent.from.address !== mail.from.address) break;
    head = id;
  }
  return head;
}

/** Each reply belongs to the series of the nearest patch or cover above it in its thread. */
function assignReplies(
  mails: readonly Mail[],
  heads: ReadonlyMap<string, Mail[]>,
  byId: ReadonlyMap<string, Mail>,
): Map<string, Mail[]> {
  const seriesOf = new Map<string, string>();
  for (const [id, members] of heads) for (const m of members) seriesOf.set(m.messageId, id);
  const out = new Map<string, Mail[]>();
  for (const mail of mails) {
    if (mail.kind !== 'reply') continue;
    const above = threadOf(mail, byId).find((a) => seriesOf.has(a));
    if (above === undefined) continue;
    const id = seriesOf.get(above) as string;
    const list = out.get(id) ?? [];
    list.push(mail);
    out.set(id, list);
  }
  return out;
}

function build(
  id: string,
  members: Mail[],
  replies: readonly Mail[],
  byId: ReadonlyMap<string, Mail>,
): Series {
  const cover = members.find((m) => m.kind === 'cover') ?? null;
  const patches = new Map<number, Mail>();
  const extras: Mail[] = [];
  const first = members.find((m) => m.kind === 'patch') ?? members[0];
  const total = cover?.tag.total ?? first?.tag.total ?? 1;
  for (const mail of members) {
    if (mail.kind !== 'patch') continue;
    const part = mail.tag.part ?? 1;
    if (patches.has(part) || part > total || part < 1) extras.push(mail);
    else patches.set(part, mail);
  }
  const head = cover ?? first;
  return {
    id,
    title: head?.tag.title ?? '',
    sender: head?.from ?? { name: '', address: '' },
    version: head?.tag.version ?? 1,
    total,
    cover,
    patches,
    replies,
    complete: patches.size === total,
    trailers: collectTrailers(cover, patches, replies, byId),
    extras,
    supersedes: null,
  };
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

/** Review trailers from replies, per patch; a trailer given on the cover letter covers every patch. */
function collectTrailers(
  cover: Mail | null,
  patches: ReadonlyMap<number, Mail>,
  replies: readonly Mail[],
  byId: ReadonlyMap<string, Mail>,
): Map<string, Trailer[]> {
  const out = new Map<string, Trailer[]>([...patches.values()].map((p) => [p.messageId, []]));
  for (const reply of replies) {
    const given = reply.trailers.filter(
      (t) => REVIEW_TRAILERS.test(t.key) && t.address === reply.from.address,
    );
    if (given.length === 0) continue;
    const target = threadOf(reply, byId).find((id) => out.has(id) || id === cover?.messageId);
    const targets = target === undefined ? [] : target === cover?.messageId ? [...out.keys()] : [target];
    for (const id of targets) {
      const list = out.get(id) ?? [];
      for (const t of given) if (!list.some((x) => x.value === t.value && x.key === t.key)) list.push(t);
      out.set(id, list);
    }
  }
  return out;
}

/** A later version from the same sender with the same title replaces the earlier one. */
function findSuperseded(series: Series, all: readonly Series[]): string | null {
  const older = all
    .filter(
      (s) =>
        s.sender.address === series.sender.address && s.title === series.title && s.version < series.version,
    )
    .sort((a, b) => b.version - a.version);
  return older[0]?.id ?? null;
}
