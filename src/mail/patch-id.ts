import { createHash } from 'node:crypto';

/** What one patch changes, as an id that stays the same when the patch is sent again (a new
 * version that leaves this part alone, a rebase, a reworded message): like `git patch-id`, it
 * ignores line numbers, blob ids, git's signature and blank lines at the end, and keeps every
 * added, removed and context line and every file name. A sha256 in hex. Pure. Computed for every
 * patch read, so done with one whole-text replacement rather than line by line (changed white
 * space counts as a change here, unlike in the series fingerprint). */
export function patchId(diff: string): string {
  const end = diff.indexOf('\n-- \n'); // git's signature ("-- \n2.47.1") ends the patch
  // Blank lines after the last hunk are no part of it: the last mail of an mbox, or one sent
  // without a signature, has a different number of them.
  const stop = end === -1 ? diff.length : end + 1;
  let last = stop;
  while (last > 0 && isBlank(diff.charCodeAt(last - 1))) last--;
  // Most diffs end in one newline: then the text is sliced as it is (a slice of a string, the
  // whole of it included, is not copied), not joined to a new "\n".
  const body =
    last === stop - 1 && diff.charCodeAt(last) === 10 ? diff.slice(0, stop) : `${diff.slice(0, last)}\n`;
  const normal = body.replace(/^index [^\n]*\n|^@@[^\n]*/gm, (m) => (m.startsWith('@@') ? '@@' : ''));
  return createHash('sha256').update(normal).digest('hex');
}

/** Space, tab, CR or LF. */
function isBlank(code: number): boolean {
  return code === 32 || code === 9 || code === 13 || code === 10;
}

/** The lines of a diff that say what it changes, for patchId and the series fingerprint: white
 * space runs folded to one space, trailing white space, blank lines and `index` lines gone,
 * every hunk header reduced to `@@`. */
export function normalizedDiff(diff: string): string {
  const out: string[] = [];
  let start = 0;
  while (start < diff.length) {
    let end = diff.indexOf('\n', start);
    if (end === -1) end = diff.length;
    const raw = diff.slice(start, end);
    start = end + 1;
    if (raw === '-- ' || raw === '-- \r') break; // git's signature ("-- \n2.47.1") ends the patch
    const first = raw.charCodeAt(0);
    // A line starting with another ASCII character is prose or git's noise, never kept: skip the
    // folding (a non-ASCII one may be white space, such as a no-break space).
    if (first < 128 && !KEPT_FIRST.has(first)) continue;
    const line = /\s\s|[^\S ]|\s$/.test(raw) ? raw.replace(/\s+/g, ' ').trimEnd() : raw;
    if (line.startsWith('index ') || line === '') continue;
    if (line.startsWith('@@')) out.push('@@');
    else if (KEPT.test(line)) out.push(line);
  }
  return out.join('\n');
}

const KEPT =
  /^(diff |[-+ ]|rename |new file|deleted file|similarity |copy |old mode|new mode|Binary|GIT binary)/;
/** First characters of the lines KEPT can take (white space folds to a space). */
const KEPT_FIRST = new Set([...'dr nscoBG-+@\t\v\f\r'].map((c) => c.charCodeAt(0)));
