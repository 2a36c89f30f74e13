/**
 * Writing mails as an mboxrd file, the form list archives (public-inbox, lore) serve and
 * `git am --patch-format=mboxrd` and `git mailsplit --mboxrd` read: each mail after a From_ line,
 * every body line that looks like one (`From `, `>From `, `>>From `…) quoted with one more `>`, and
 * an empty line after each mail (RFC 4155). The inverse of ingest/mbox.ts's reader, which unquotes
 * any mbox whose From_ lines are not git format-patch's own. Pure.
 */

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `From patchferry Mon Nov 30 01:00:00 2026`: asctime in UTC, as git mailsplit's is_from_line wants
 * it (a time, then a year), and never git format-patch's fixed date (whose mboxes are not quoted). */
export function mboxFromLine(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const time = `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
  return `From patchferry ${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, ' ')} ${time} ${date.getUTCFullYear()}`;
}

/** One mbox of `mails` (raw RFC 5322 bytes, CRLF or LF as they came), in order. */
export function writeMboxrd(mails: readonly Buffer[], date: Date): Buffer {
  const from = Buffer.from(`${mboxFromLine(date)}\n`, 'latin1');
  const parts: Buffer[] = [];
  for (const raw of mails) parts.push(from, ...quotedFromLines(raw), NL);
  return Buffer.concat(parts);
}

/**
 * mboxrd's quoting of one mail: views of `raw` with a '>' before every line that starts with
 * `>*From ` (a line starts at the top, after LF or after CR, as a multi-line `^` matches), and a
 * line end after the last line when it has none. Views, not a string of the mail quoted by a
 * regular expression: that held a mail with a 5 MB attachment four times at once.
 */
export function quotedFromLines(raw: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let from = 0;
  for (let hit = raw.indexOf('From '); hit !== -1; hit = raw.indexOf('From ', hit + 1)) {
    let at = hit;
    while (at > 0 && raw[at - 1] === 0x3e) at--; // '>'
    if (at !== 0 && raw[at - 1] !== 10 && raw[at - 1] !== 13) continue;
    parts.push(raw.subarray(from, at), GT);
    from = at;
  }
  parts.push(raw.subarray(from));
  if (raw.length === 0 || raw[raw.length - 1] !== 10) parts.push(NL);
  return parts;
}

const GT = Buffer.from('>');
const NL = Buffer.from('\n');
