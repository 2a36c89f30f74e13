/** git format-patch's From_ line: "From <commit id> Mon Sep 17 00:00:00 2001", a fixed date that
 * marks a mail (or an mbox) as git's own output. Pure. */

const FROM_LINE = /^From (?:[0-9a-f]{40}|[0-9a-f]{64}) Mon Sep 17 00:00:00 2001\s*$/;

export function isFormatPatchFromLine(line: string): boolean {
  return FROM_LINE.test(line);
}

/** The line for `commit` (git writes the commit's id; any id does for git's mail splitter). */
export function formatPatchFromLine(commit = '0'.repeat(40)): string {
  return `From ${commit} Mon Sep 17 00:00:00 2001`;
}
