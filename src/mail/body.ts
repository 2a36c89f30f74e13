/** What the text of a mail holds: the diff, the commit message, trailers, a pull request. Pure. */

export interface Trailer {
  readonly key: string;
  readonly value: string;
  /** The address in the value, lower-cased, when there is one. */
  readonly address: string | null;
}

const DIFF_START = /^(?:diff --git |diff -[a-zA-Z]+ |Index: |--- \S.*\n\+\+\+ \S)/m;
/** A git diff header naming both sides, or a `---`/`+++` pair: a patch whatever its hunks look like
 * (combined `@@@` hunks included); applying it decides whether it applies. */
const DIFF_HEADER = /^(?:diff --git \S+ \S+[ \t]*$|--- \S.*\n\+\+\+ \S)/m;

/** The diff part of a message body, or null when it carries none. */
export function findDiff(text: string): string | null {
  const match = DIFF_START.exec(text);
  if (!match) return null;
  const diff = text.slice(match.index);
  if (DIFF_HEADER.test(diff)) return diff;
  // Otherwise a diff needs hunks, or git's extended headers for renames, mode changes, binaries
  // and empty files.
  if (
    !/^(?:@@@* |GIT binary patch|Binary files |rename (?:from|to) |(?:old|new|deleted file|new file) mode |similarity index )/m.test(
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

const TRAILER_KEY = /^([A-Za-z][A-Za-z0-9-]*-[Bb][Yy]|Fixes|Link|BugLink|Closes|Cc):[ \t]*(\S.*)$/i;
/** Up to three leading spaces or one tab still make a trailer (b4 reads an indented
 * `Reviewed-by:`); four spaces or more is a pasted log (`git log` and `git show` indent messages
 * by four), whose trailers are not the writer's. */
const INDENT = /^(?: {0,3}|\t)(?=\S)/;

/** Trailer lines written by the author of `text`, as b4 reads them (keys in any case): quoted
 * lines (`>`) and pasted logs are someone else's, and nothing below a signature line (`-- `)
 * counts; a trailer wrapped by a mail client (`Key: Name` then `<address>` on the next line, a
 * `Fixes:` whose quoted subject goes on) is one; mailer junk (`<mailto:…>`) and a note after the
 * value (`[ann: fixed a typo]`, `# 6.1+`) are not part of the value; a `Fixes:` names a commit
 * hash or is prose. */
export function findTrailers(text: string): Trailer[] {
  const out: Trailer[] = [];
  // A no-break space (HTML mail turned into text) is a space in a trailer line, as b4 reads it.
  const lines = (text.includes('\u00a0') ? text.replace(/\u00a0/g, ' ') : text).split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === '-- ') break; // b4 reads no trailer below the signature marker
    const m = trailerLine(lines[i] ?? '');
    if (!m) continue;
    let value = m.value;
    // Join the lines a client wrapped, at most a few, never another trailer or a blank line.
    for (let more = 0; more < 3 && i + 1 < lines.length && wrapped(value, m.key); more++) {
      const next = (lines[i + 1] ?? '').trim();
      if (next === '' || next.startsWith('>') || trailerLine(lines[i + 1] ?? '')) break;
      if (!continues(value, m.key, next)) break;
      value = `${value} ${next}`;
      i++;
    }
    value = cleanValue(value);
    // b4: a Fixes: names a commit by its hash; "Fixes: the crash on boot" is prose.
    if (value === '' || (/^fixes$/i.test(m.key) && !/^[0-9a-f]{6,}/.test(value))) continue;
    const address =
      /<([^<>\s]+@[^<>\s]+)>/.exec(value)?.[1] ?? /\b([^\s<>]+@[^\s<>]+)\b/.exec(value)?.[1] ?? null;
    out.push({ key: m.key, value, address: address?.toLowerCase() ?? null });
  }
  return out;
}

function trailerLine(line: string): { key: string; value: string } | null {
  // Most lines are prose or code: a key ends with a colon within its first few dozen characters.
  const colon = line.indexOf(':');
  if (colon < 2 || colon > 48) return null;
  const indent = INDENT.exec(line);
  if (!indent) return null;
  const m = TRAILER_KEY.exec(line.slice(indent[0].length).trimEnd());
  return m ? { key: m[1] ?? '', value: (m[2] ?? '').trim() } : null;
}

/** Whether a trailer value looks cut short: a person without an address, or a Fixes: whose
 * parenthesised, quoted subject is not closed yet. */
function wrapped(value: string, key: string): boolean {
  if (/^fixes$/i.test(key)) return unclosed(value);
  return /-by$/i.test(key) && !value.includes('@');
}

function continues(value: string, key: string, next: string): boolean {
  if (/^fixes$/i.test(key)) return true;
  return /^<[^<>\s]+@[^<>\s]+>/.test(next) || (/^\S+@\S+$/.test(next) && !value.includes('@'));
}

function unclosed(value: string): boolean {
  const open = (value.match(/\(/g) ?? []).length - (value.match(/\)/g) ?? []).length;
  return open > 0 || (value.match(/"/g) ?? []).length % 2 === 1;
}

/** A value without what mailers and people add around it, a person written `Name <address>` as
 * b4 normalises it: `<a@b<mailto:a@b>>` and `[mailto:a@b]` (HTML mail turned into text) give the
 * address once, a bare address after the name or `a@b (Name)` get angle brackets, and a repeated
 * address or a full stop after it goes. */
function cleanValue(value: string): string {
  const mailto = /[<[]mailto:([^<>[\]\s]+@[^<>[\]\s]+)[>\]]/i.exec(value)?.[1];
  let clean = value.replace(/<mailto:[^<>\s]*>/gi, '').replace(/\[mailto:[^\]\s]*\]/gi, '');
  if (mailto && !clean.includes('@')) clean = `${clean.trimEnd()} <${mailto}>`;
  clean = clean
    .replace(/\s+#(?:\s.*)?$/, '')
    .replace(/\s+\[[^\]]*\]\s*$/, '')
    .replace(/\s+/g, ' ')
    .replace(/\s+>/g, '>')
    .replace(/>[.,;]+$/, '>')
    .replace(/^(.*<([^<>]+)>) ?<\2>$/i, '$1')
    .trim();
  if (clean.includes('://')) return clean;
  const bare = /^([^<>@]*[^<>@\s])\s+([^\s<>@]+@[^\s<>@]+\.[^\s<>@]+)$/.exec(clean);
  if (bare) return `${bare[1]} <${bare[2]}>`;
  const comment = /^([^\s<>@()]+@[^\s<>@()]+)\s*\(([^()]+)\)$/.exec(clean);
  return comment ? `${(comment[2] ?? '').trim()} <${comment[1]}>` : clean;
}

/** The name part of a trailer's value (`Rita Reviewer` of `Rita Reviewer <rita@x>`), or ''. */
export function trailerName(value: string): string {
  const at = value.indexOf('<');
  return (at === -1 ? '' : value.slice(0, at))
    .trim()
    .replace(/^"(.*)"$/, '$1')
    .trim();
}

export interface PullRequest {
  readonly url: string;
  readonly ref: string | null;
}

/** The repository and ref a `git request-pull` message asks to pull from. The URL may follow on
 * the same line ("… repository at https://… for-next"), be written in angle brackets, or be
 * wrapped before its ref. */
export function findPullRequest(text: string): PullRequest | null {
  if (!/The following changes since commit/i.test(text)) return null;
  const at = /are available in the git repository at:?[ \t]*/i.exec(text);
  if (!at) return null;
  const lines = text
    .slice(at.index + at[0].length)
    .split(/\r?\n/)
    .map((l) => l.trim());
  while (lines[0] === '') lines.shift();
  const words = (lines[0] ?? '').split(/\s+/).filter(Boolean);
  const next = lines[1] ?? '';
  if (words.length === 1 && next !== '' && !/^for you to fetch/i.test(next)) words.push(...next.split(/\s+/));
  const url = words[0]?.replace(/^<(.*)>$/, '$1');
  const ref = words[1];
  if (!url || !isFetchable(url)) return null;
  return { url, ref: ref ?? null };
}

/** Whether a word names a repository in a form `git fetch` accepts: a URL (git, ssh, http(s),
 * ftp(s), file, git+ssh, ssh+git), scp-like `[user@]host:path`, or a local path. */
function isFetchable(word: string): boolean {
  if (/^(?:git|ssh|https?|ftps?|file|git\+ssh|ssh\+git):\/\/\S+$/.test(word)) return true;
  // scp-like: [user@]host:path, with no slash before the colon (git's rule for telling it from a path).
  if (/^(?:[\w.~-]+@)?(?:[\w.-]+|\[[0-9A-Fa-f:.]+\]):\S+$/.test(word)) return true;
  return /^(?:\/|\.\.?\/|~\/?)\S*$/.test(word);
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
