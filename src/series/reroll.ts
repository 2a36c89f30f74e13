import { fingerprintOf, isComplete } from './parts.ts';
import { sameSubmitter, type SenderLinks } from './sender.ts';
import type { Series, SeriesMail as Mail } from './series.ts';
import { collectTrailers } from './trailers.ts';

/** A series of only some parts, each answering the same part (or the cover letter) of an earlier
 * version from the same person: a partial reroll. It becomes that version with those parts
 * replaced, at the new version. Trailers follow the patch: the cover letter's go to every part,
 * a rerolled part's own earlier ones stay only when its content did not change. */
export function asPartialReroll(
  s: Series,
  all: readonly Series[],
  byId: ReadonlyMap<string, Mail>,
  threadOf: (mail: Mail) => readonly string[],
  links: SenderLinks | undefined,
): Series | null {
  if (s.cover || s.complete || s.patches.size === 0) return null;
  let earlier: Series | undefined;
  for (const [part, mail] of s.patches) {
    const parent = mail.inReplyTo ? byId.get(mail.inReplyTo) : undefined;
    // Under the cover letter of its own version, a part is another series sent into the thread.
    const target =
      parent &&
      all.find(
        (o) => o !== s && ((o.cover === parent && o.version < s.version) || o.patches.get(part) === parent),
      );
    if (!target || (earlier && target !== earlier)) return null;
    earlier = target;
  }
  if (!earlier || earlier.total !== s.total || earlier.version > s.version) return null;
  const mine = { ...s.sender, author: s.author };
  if (!sameSubmitter(mine, { ...earlier.sender, author: earlier.author }, links)) {
    return { ...s, refused: [{ series: earlier.id, via: 'reply', sender: earlier.sender.address }] };
  }
  const patches = new Map(earlier.patches);
  const replaced: Mail[] = [...earlier.replaced];
  for (const [part, mail] of s.patches) {
    const old = patches.get(part);
    if (old) replaced.push(old);
    patches.set(part, mail);
  }
  const replies = [...earlier.replies, ...s.replies];
  return {
    ...s,
    title: earlier.title,
    cover: earlier.cover,
    pull: earlier.pull,
    patches,
    replaced,
    replies,
    complete: isComplete(patches, s.total),
    fingerprint: fingerprintOf(patches, s.total),
    trailers: collectTrailers(earlier.cover, patches, replies, threadOf, replaced),
    extras: [...earlier.extras, ...s.extras],
    supersedes: earlier.id,
  };
}
