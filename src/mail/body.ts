/** What the text of a mail holds: the diff, the commit message, trailers, a pull request. Pure. */

export interface Trailer {
  readonly key: string;
  readonly value: string;
  /** The address in the value, lower-cased, when there is one. */
  readonly address: string | null;
}

const DIFF_START = /^(?:diff --git |diff -[a-zA-Z]+ |Index: |--- \S.*\n\+\+\+ \S)/m;

/** The diff part of a message body, or null when it carries none. */
export function findDiff(text: string): string | null {
  const match = DIFF_START.exec(text);
  if (!match) return null;
  // A diff needs hunks, or git's extended headers for renames, mode changes, binaries and empty files.
  const diff = text.slice(match.index);
  if (
    !/^(?:@@ |GIT binary patch|Binary files |rename (?:from|to) |(?:old|new|deleted file|new file) mode |similarity index )/m.test(
      diff,
    )
  ) {
    return null;
  }
  return diff;
}

/** The commit message: everything above the `---` separator (or above the diff when there is none). */
export function commitMessage(text: string): string {
  const separator = /^---\s*$/m.exec(text);
  const diff = DIFF_START.exec(text);
  const end = Math.min(separator?.index ?? text.length, diff?.index ?? text.length);
  return text.slice(0, end).trimEnd();
}

const TRAILER = /^([A-Za-z][A-Za-z0-9-]*-[Bb][Yy]|Fixes|Link|Closes|Cc):[ \t]*(\S.*)$/;

/** Trailer lines written by the author of `text` (quoted lines, starting with `>`, are someone else's). */
export function findTrailers(text: string): Trailer[] {
  const out: Trailer[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = TRAILER.exec(line.trimEnd());
    if (!m) continue;
    const value = (m[2] ?? '').trim();
    const address =
      /<([^<>\s]+@[^<>\s]+)>/.exec(value)?.[1] ?? /\b([^\s<>]+@[^\s<>]+)\b/.exec(value)?.[1] ?? null;
    out.push({ key: m[1] ?? '', value, address: address?.toLowerCase() ?? null });
  }
  return out;
}

export interface PullRequest {
  readonly url: string;
  readonly ref: string | null;
}

/** The repository and ref a `git request-pull` message asks to pull from; the URL line may be wrapped. */
export function findPullRequest(text: string): PullRequest | null {
  if (!/The following changes since commit/i.test(text)) return null;
  const at = /are available in the git repository at:?[ \t]*\r?\n/i.exec(text);
  if (!at) return null;
  const lines = text
    .slice(at.index + at[0].length)
    .split(/\r?\n/)
    .map((l) => l.trim());
  while (lines[0] === '') lines.shift();
  const words = (lines[0] ?? '').split(/\s+/).filter(Boolean);
  const next = lines[1] ?? '';
  if (words.length === 1 && next !== '' && !/^for you to fetch/i.test(next)) words.push(...next.split(/\s+/));
  const [url, ref] = words;
  if (!url || !/^(?:git|ssh|https?|git\+ssh|file):\/\//.test(url)) return null;
  return { url, ref: ref ?? null };
}

/** Message-IDs named by "Supersedes:" lines (patchew's way to link a new version to an old one). */
export function findSupersedes(text: string): string[] {
  return [...text.matchAll(/^Supersedes:[ \t]*<?([^<>\s]+@[^<>\s]+)>?[ \t]*$/gim)].map((m) => m[1] as string);
}

/** The commit a series says it applies to: git format-patch --base writes `base-commit: <id>` at the
 * end of the cover letter (or of the last patch when there is none). Quoted lines do not count. */
export function findBaseCommit(text: string): string | null {
  const matches = [...text.matchAll(/^base-commit: ([0-9a-f]{7,64})[ \t]*$/gm)];
  return matches.at(-1)?.[1] ?? null;
}

/** The topic id b4 writes into every version of a series (`change-id: 20240102-topic-1a2b3c4d5e6f`,
 * near the end of the cover letter, or of a lone patch): versions sharing it are one submission. */
export function findChangeId(text: string): string | null {
  const matches = [...text.matchAll(/^change-id: ([A-Za-z0-9][A-Za-z0-9._-]{5,127})[ \t]*$/gm)];
  return matches.at(-1)?.[1] ?? null;
}
