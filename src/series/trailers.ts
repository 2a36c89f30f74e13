import { trailerName, type Trailer } from '../mail/body.ts';
import { sameAddress } from './sender.ts';
import type { Series, SeriesMail as Mail } from './series.ts';

/** Trailers a person gives for themself (`Reviewed-by`, `Acked-by`, `Tested-by`,
 * `Co-developed-by`…): they count only from their own author. A `Signed-off-by` in a reply goes
 * with a fix-up the reviewer proposes, not with the patch as sent, and a `Nacked-by` is no
 * trailer a commit gets: neither is folded in. */
const PERSON_TRAILERS = /-by$/i;
const NOT_FOLDED = /^(?:signed-off|nacked)-by$/i;
/** Trailers that say what a patch is about: collected whoever sends them (b4's rule). */
const REFERENCE_TRAILERS = /^(fixes|link|buglink|closes)$/i;

/** The trailers of a reply that may be folded into what it answers, as b4 takes them from a
 * follow-up: person trailers written by the reply's sender (the address in the trailer is theirs,
 * or the name is theirs without case, or every comma-separated part of a `Last, First` From: name
 * is in it: people review from one address and sign with another), and
 * Fixes:/Link:/BugLink:/Closes: from anyone. */
export function givenTrailers(reply: Mail): Trailer[] {
  const name = reply.from.name.trim().toLowerCase();
  const parts = name.includes(',')
    ? name
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)
    : [];
  return reply.trailers.filter((t) => {
    if (REFERENCE_TRAILERS.test(t.key)) return true;
    if (!PERSON_TRAILERS.test(t.key) || NOT_FOLDED.test(t.key)) return false;
    if (t.address !== null && sameReviewer(t.address, reply.from.address)) return true;
    const given = trailerName(t.value).toLowerCase();
    return (name !== '' && given === name) || (parts.length > 1 && parts.every((p) => given.includes(p)));
  });
}

/** Whether a trailer's address is the reply sender's, as b4 compares them (LoreTrailer.email_eq):
 * without case, without a `+extension` of the local part (`rita+kernel@x` is `rita@x`), and with
 * one domain one label below the other (`rita@lab.example.org` is `rita@example.org`; not
 * `rita@org`). */
export function sameReviewer(a: string, b: string): boolean {
  if (sameAddress(a, b)) return true;
  const split = (address: string) => {
    const at = address.lastIndexOf('@');
    return at < 1
      ? null
      : {
          local: address.slice(0, at).toLowerCase().replace(/\+.*$/, ''),
          domain: address.slice(at + 1).toLowerCase(),
        };
  };
  const x = split(a);
  const y = split(b);
  if (x === null || y === null || x.local !== y.local) return false;
  if (x.domain === y.domain) return true;
  const [longer, shorter] = x.domain.length > y.domain.length ? [x.domain, y.domain] : [y.domain, x.domain];
  // A domain of its own (two labels or more), never a top-level one: rita@org is not rita@example.org.
  const labels = shorter.split('.').length;
  return labels >= 2 && longer.endsWith(`.${shorter}`) && longer.split('.').length === labels + 1;
}

/** Trailers from replies, per patch (by Message-ID), less those its commit message holds: a reply
 * to a patch gives that patch its trailers; a reply to the cover letter gives them to every patch of the series, a replacement
 * part included; a reply to a part since replaced counts for its replacement only when that
 * carries the same change (the same patch id). */
export function collectTrailers(
  cover: Mail | null,
  patches: ReadonlyMap<number, Mail>,
  replies: readonly Mail[],
  threadOf: (mail: Mail) => readonly string[],
  replaced: readonly Mail[] = [],
): Map<string, Trailer[]> {
  const out = new Map<string, Trailer[]>([...patches.values()].map((p) => [p.messageId, []]));
  const byId = new Map([...patches.values()].map((p) => [p.messageId, p]));
  const gone = new Map(replaced.map((m) => [m.messageId, m]));
  for (const reply of replies) {
    const given = givenTrailers(reply);
    if (given.length === 0) continue;
    const target = threadOf(reply).find((id) => out.has(id) || id === cover?.messageId || gone.has(id));
    if (target === undefined) continue;
    let targets = target === cover?.messageId ? [...out.keys()] : [target];
    const old = gone.get(target);
    if (old) {
      const same = [...patches.values()].find((p) => p.patchId !== null && p.patchId === old.patchId);
      targets = same ? [same.messageId] : [];
    }
    for (const id of targets) addTrailers(out, id, notOwn(byId.get(id), given));
  }
  return out;
}

/** The trailers a patch's own commit message does not hold already: `git interpret-trailers`
 * would add a `Fixes:` the patch carries a second time (b4 leaves those out). */
function notOwn(patch: Mail | undefined, given: readonly Trailer[]): Trailer[] {
  if (!patch || patch.trailers.length === 0) return [...given];
  return given.filter((t) => !patch.trailers.some((x) => sameTrailer(x, t)));
}

function sameTrailer(a: Trailer, b: Trailer): boolean {
  return a.value === b.value && a.key.toLowerCase() === b.key.toLowerCase();
}

/** The series with the trailers of an earlier version carried over: a patch sent again unchanged
 * (the same patch id) keeps what was given on its earlier posting, its cover letter's included;
 * a patch whose content changed starts without them (b4's rule: trailers follow the patch). The
 * earlier version's replies are kept in `carried`, so that trust rules see who gave them. */
export function carryTrailers(series: Series, earlier: Series): Series {
  const byPatchId = new Map<string, readonly Trailer[]>();
  for (const [id, list] of earlier.trailers) {
    const patchId = [...earlier.patches.values()].find((p) => p.messageId === id)?.patchId;
    if (patchId) byPatchId.set(patchId, [...(byPatchId.get(patchId) ?? []), ...list]);
  }
  if (byPatchId.size === 0) return series;
  const trailers = new Map([...series.trailers].map(([id, list]) => [id, [...list]]));
  for (const patch of series.patches.values()) {
    const old = patch.patchId ? byPatchId.get(patch.patchId) : undefined;
    if (!old) continue;
    // The earlier version's trailers come first, as they were given first.
    const merged = new Map<string, Trailer[]>([[patch.messageId, notOwn(patch, old)]]);
    addTrailers(merged, patch.messageId, trailers.get(patch.messageId) ?? []);
    trailers.set(patch.messageId, merged.get(patch.messageId) ?? []);
  }
  const carried = new Map(
    [...series.carried, ...earlier.replies, ...earlier.carried].map((r) => [r.messageId, r]),
  );
  return { ...series, trailers, carried: [...carried.values()] };
}

export function addTrailers(out: Map<string, Trailer[]>, id: string, given: readonly Trailer[]): void {
  const list = out.get(id) ?? [];
  for (const t of given) if (!list.some((x) => sameTrailer(x, t))) list.push(t);
  out.set(id, list);
}
