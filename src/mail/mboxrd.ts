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
  for (const raw of mails) {
    // latin1 maps bytes to characters one to one: any charset survives the quoting untouched.
    const text = raw.toString('latin1');
    const quoted = text.replace(/^(>*From )/gm, '>$1');
    parts.push(
      from,
      Buffer.from(quoted.endsWith('\n') ? quoted : `${quoted}\n`, 'latin1'),
      Buffer.from('\n'),
    );
  }
  return Buffer.concat(parts);
}
