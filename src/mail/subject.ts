/** The subject tag grammar: what the bracketed prefix of a subject says about a mail. Pure. */

export interface SubjectTag {
  /** The subject with reply markers and tag groups removed. */
  readonly title: string;
  /** PATCH, PULL, RFC, RESEND, GIT … in upper case, in the order given. */
  readonly prefixes: readonly string[];
  readonly version: number;
  readonly part: number | null;
  readonly total: number | null;
  /** Words before the PATCH/PULL keyword in its group (the historical `[<branch> PATCH <repo>]`). */
  readonly before: readonly string[];
  /** Words after it that are neither a version nor a part number. */
  readonly after: readonly string[];
  /** Other bracket groups, such as a list's own `[Qemu-devel]`. */
  readonly otherGroups: readonly string[];
  /** The subject started with Re:, Fwd:, AW:, SV: and the like. */
  readonly reply: boolean;
  /** A PATCH or PULL keyword, or a part number, was seen. */
  readonly patchLike: boolean;
}

const REPLY_MARKER = /^\s*(?:re|fwd?|aw|sv|antw|vs|r)\s*(?:\[\d+\])?\s*:\s*/i;
const KEYWORDS = new Set(['PATCH', 'PULL', 'GIT', 'RFC', 'RESEND']);
const MAIN_KEYWORDS = new Set(['PATCH', 'PULL', 'GIT']);
const VERSION = /^v(\d+)(?:\.\d+)?$/i;
const PART = /^(\d+)\/(\d+)$/;

export function parseSubject(raw: string): SubjectTag {
  let rest = raw.replace(/\s*\r?\n\s*/g, ' ').trim();
  let reply = false;
  const groups: string[] = [];
  for (;;) {
    const marker = REPLY_MARKER.exec(rest);
    if (marker) {
      reply = true;
      rest = rest.slice(marker[0].length);
      continue;
    }
    const group = /^\[([^\]]*)\]\s*/.exec(rest);
    if (group) {
      groups.push(group[1] ?? '');
      rest = rest.slice(group[0].length);
      continue;
    }
    break;
  }

  const tagGroupIndex = groups.findIndex(
    (g) => words(g).some((w) => KEYWORDS.has(w.toUpperCase())) || words(g).some((w) => PART.test(w)),
  );
  const otherGroups = groups.filter((_, i) => i !== tagGroupIndex);
  const tagWords = tagGroupIndex >= 0 ? words(groups[tagGroupIndex] ?? '') : [];

  const prefixes: string[] = [];
  const before: string[] = [];
  const after: string[] = [];
  let version = 1;
  let part: number | null = null;
  let total: number | null = null;
  let seenMain = false;
  for (let i = 0; i < tagWords.length; i++) {
    const word = tagWords[i] ?? '';
    const upper = word.toUpperCase();
    const v = VERSION.exec(word);
    const p = PART.exec(word);
    if (KEYWORDS.has(upper)) {
      prefixes.push(upper);
      if (MAIN_KEYWORDS.has(upper)) seenMain = true;
    } else if (v) {
      version = Number(v[1]);
    } else if (p) {
      part = Number(p[1]);
      total = Number(p[2]);
    } else if (
      /^\d+$/.test(word) &&
      tagWords[i + 1]?.toLowerCase() === 'of' &&
      /^\d+$/.test(tagWords[i + 2] ?? '')
    ) {
      part = Number(word);
      total = Number(tagWords[i + 2]);
      i += 2;
    } else if (seenMain) {
      after.push(word);
    } else {
      before.push(word);
    }
  }

  return {
    title: rest.trim(),
    prefixes,
    version,
    part,
    total,
    before,
    after,
    otherGroups,
    reply,
    patchLike: prefixes.some((p) => MAIN_KEYWORDS.has(p)) || part !== null,
  };
}

function words(group: string): string[] {
  return group.split(/[\s,]+/).filter((w) => w.length > 0);
}
