/** The subject tag grammar: what the bracketed prefix of a subject says about a mail. Pure. */
import { asciiTrim } from './git-ident.ts';

export interface SubjectTag {
  /** The subject with reply markers and tag groups removed. */
  readonly title: string;
  /** PATCH, PULL, RFC, RESEND, GIT … in upper case, in the order given. */
  readonly prefixes: readonly string[];
  readonly version: number;
  /** The subject names its version; an unlabeled one is version 1 only by default. */
  readonly versioned: boolean;
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

// "Re:", "RE :", "Re[2]:", "AW:", "SV:", "Fwd:"; and patchwork's colon-less "Re meep".
const REPLY_MARKER = /^\s*(?:(?:re|fwd?|aw|sv|antw|vs|wg|tr)\s*(?:\[\d+\])?\s*:|(?:re|fwd?)\s)\s*/i;
const KEYWORDS = new Set(['PATCH', 'PULL', 'GIT', 'RFC', 'RESEND', 'RFT']);
const MAIN_KEYWORDS = new Set(['PATCH', 'PULL', 'GIT']);
const VERSION = /^v(\d+)(?:\.\d+)?$/i;
// "PATCHv3", "PATCH-v3": keyword and version written as one word.
const GLUED_VERSION = /^(PATCH|PULL|RFC)[-_]?v(\d+)(?:\.\d+)?$/i;
// "PATCH1/8", "v2PATCH1/4", "v2.3PATCH1/4", "1/8": a part number, maybe glued to the rest.
const MARKER = /^(?:v(\d+)(?:\.\d+)?)?(PATCH|PULL)?(\d+)\/(\d+)$/i;

/** The subject with its reply markers and tag groups read off; the title is what is left, cleaned
 * as git's mailinfo cleans a subject (cleanup_subject): colons between and after the groups go,
 * and only ASCII white space is white space (a no-break space stays). */
export function parseSubject(raw: string): SubjectTag {
  let rest = asciiTrim(raw.replace(/[ \t]*\r?\n[ \t]*/g, ' '));
  let reply = false;
  let tagged = false;
  const groups: string[] = [];
  const words: string[][] = [];
  const facts: (WordFacts | null)[][] = [];
  for (;;) {
    const marker = REPLY_MARKER.exec(rest);
    if (marker) {
      // "Re:" before the tag (a list's own "[Qemu-devel]" may come first) makes a reply; after
      // it, it is part of a patch's title ("[PATCH] Re: …"), which git strips and b4 and
      // patchwork still take for a patch.
      if (!tagged) reply = true;
      rest = rest.slice(marker[0].length);
      continue;
    }
    const group = /^\[([^\]]*)\][ \t]*/.exec(rest);
    if (group) {
      const groupWords = splitPrefixes(group[1] ?? '');
      const groupFacts = groupWords.map(classify);
      groups.push(group[1] ?? '');
      words.push(groupWords);
      facts.push(groupFacts);
      if (groupFacts.some((f) => f !== null)) tagged = true;
      rest = rest.slice(group[0].length);
      continue;
    }
    const colons = /^:[ \t:]*/.exec(rest);
    if (colons) {
      rest = rest.slice(colons[0].length);
      continue;
    }
    break;
  }

  // The tag group is the one with PATCH/PULL/GIT or a part number (else the first with a tag
  // word); its other words name a repository or branch (before/after). Other groups of tag words
  // (`[RFC] [PATCH 1/3]`, `[PATCH 1/3][v2]`) add their keywords, version and part number, as
  // patchwork reads the prefixes of every group; their names stay other groups.
  const isMain = (i: number) =>
    (facts[i] ?? []).some(
      (f) => f !== null && (f.part !== null || f.keywords.some((k) => MAIN_KEYWORDS.has(k))),
    );
  const mainIndex = groups.findIndex((_, i) => isMain(i));
  const tagGroupIndex = mainIndex >= 0 ? mainIndex : facts.findIndex((fs) => fs.some((f) => f !== null));
  const otherGroups: string[] = [];

  const prefixes: string[] = [];
  const before: string[] = [];
  const after: string[] = [];
  let version: number | null = null;
  let part: number | null = null;
  let total: number | null = null;
  for (let g = 0; g < groups.length; g++) {
    const main = g === tagGroupIndex;
    const tagWords = words[g] ?? [];
    if (!main && !(facts[g] ?? []).some((f) => f !== null)) {
      otherGroups.push(groups[g] ?? '');
      continue;
    }
    const names: string[] = [];
    let seenMain = false;
    for (let i = 0; i < tagWords.length; i++) {
      const word = tagWords[i] ?? '';
      const of =
        /^\d+$/.test(word) && tagWords[i + 1]?.toLowerCase() === 'of' && /^\d+$/.test(tagWords[i + 2] ?? '');
      if (of) {
        if (main || part === null) {
          part = count(word);
          total = count(tagWords[i + 2]);
        }
        i += 2;
        continue;
      }
      const wordFacts = facts[g]?.[i] ?? null;
      if (wordFacts === null) {
        if (!main) names.push(word);
        else (seenMain ? after : before).push(word);
        continue;
      }
      for (const k of wordFacts.keywords) {
        prefixes.push(k);
        if (MAIN_KEYWORDS.has(k)) seenMain = true;
      }
      if (main || version === null) version = wordFacts.version ?? version;
      if (wordFacts.part !== null && (main || part === null)) {
        part = wordFacts.part;
        total = wordFacts.total;
      }
    }
    if (names.length > 0) otherGroups.push(names.join(' '));
  }
  const title = asciiTrim(rest);
  return {
    title,
    prefixes,
    version: version ?? versionInTitle(title) ?? 1,
    versioned: (version ?? versionInTitle(title)) !== null,
    part,
    total,
    before,
    after,
    otherGroups,
    reply,
    patchLike: prefixes.some((p) => MAIN_KEYWORDS.has(p)) || part !== null,
  };
}

interface WordFacts {
  keywords: string[];
  version: number | null;
  part: number | null;
  total: number | null;
}

/** What one word of a tag group says; null for a name (repo, branch, list tag). */
function classify(word: string): WordFacts | null {
  const upper = word.toUpperCase();
  if (KEYWORDS.has(upper)) return { keywords: [upper], version: null, part: null, total: null };
  const v = VERSION.exec(word);
  if (v) return { keywords: [], version: count(v[1]), part: null, total: null };
  const glued = GLUED_VERSION.exec(word);
  if (glued)
    return { keywords: [(glued[1] ?? '').toUpperCase()], version: count(glued[2]), part: null, total: null };
  const m = MARKER.exec(word);
  if (m) {
    return {
      keywords: m[2] ? [m[2].toUpperCase()] : [],
      version: m[1] ? count(m[1]) : null,
      part: count(m[3]),
      total: count(m[4]),
    };
  }
  // "v2/resend", "RFC/v3": several tag words joined by a slash.
  if (word.includes('/')) {
    const pieces = word.split('/').map(classify);
    if (pieces.every((p) => p !== null && p.part === null)) {
      return {
        keywords: pieces.flatMap((p) => p?.keywords ?? []),
        version: pieces.find((p) => p?.version !== null)?.version ?? null,
        part: null,
        total: null,
      };
    }
  }
  return null;
}

/** The words of a tag group: split at commas and white space. */
export function splitPrefixes(group: string): string[] {
  return group.split(/[\s,]+/).filter((w) => w.length > 0);
}

/** The "x/n" or "x of n" marker among prefixes, as [x, n]; [null, null] when there is none. */
export function seriesMarker(prefixes: readonly string[]): [number | null, number | null] {
  for (const prefix of prefixes) {
    const m = MARKER.exec(prefix) ?? /^(?:v(\d+)(?:\.\d+)?)?(PATCH)?(\d+) of (\d+)$/i.exec(prefix);
    if (m) return [count(m[3]), count(m[4])];
  }
  return [null, null];
}

/** The version a subject claims: vN among the prefixes, else "(vN)" in the title, else 1. */
export function versionOf(title: string, prefixes: readonly string[]): number {
  for (const p of prefixes) {
    const facts = classify(p);
    if (facts?.version) return facts.version;
  }
  return versionInTitle(title) ?? 1;
}

function versionInTitle(title: string): number | null {
  const m = /\(v(\d+)\)/i.exec(title);
  return m ? count(m[1]) : null;
}

/**
 * A number a subject writes as decimal digits, at most Number.MAX_SAFE_INTEGER: `[PATCH
 * 99999999999999999999999/2]` is read as a part far past any limit (limits.partsPerSeries refuses
 * it), never as 1e23, which no integer column or schema holds.
 */
function count(digits: string | undefined): number {
  return Math.min(Number(digits), Number.MAX_SAFE_INTEGER);
}

export function isReplySubject(subject: string): boolean {
  return REPLY_MARKER.test(subject);
}

/** A patch's display name: reply markers and the PATCH keyword gone, the other leading prefixes
 * kept as one "[A,B]" group (patchwork's convention), `drop` prefixes (a list's own tag) removed. */
export function cleanSubject(
  subject: string,
  drop: readonly string[] = [],
): { name: string; prefixes: string[] } {
  let rest = subject.replace(/\s*\r?\n\s*/g, ' ').trim();
  const prefixes: string[] = [];
  const dropped = new Set(drop.map((d) => d.toLowerCase()));
  for (;;) {
    const marker = REPLY_MARKER.exec(rest);
    if (marker) {
      rest = rest.slice(marker[0].length);
      continue;
    }
    const group = /^\[([^\]]*)\]\s*/.exec(rest);
    if (!group) break;
    for (const word of splitPrefixes(group[1] ?? '')) {
      if (word.toUpperCase() !== 'PATCH' && !dropped.has(word.toLowerCase())) prefixes.push(word);
    }
    rest = rest.slice(group[0].length);
  }
  const name = rest.trim();
  return { name: prefixes.length > 0 ? `[${prefixes.join(',')}] ${name}` : name, prefixes };
}
