import { formatPatchFromLine } from '../mail/format-patch.ts';
import { quotedFromLines } from '../mail/mboxrd.ts';

/**
 * Raw mails joined into one mboxrd mailbox for `git am --patch-format=mboxrd`.
 *
 * One file instead of one per patch: a 50-patch series is one write and one read instead of fifty
 * of each, which bench:apply measured as the largest cost patchferry added around `git am` after the
 * push. mboxrd makes the joining exact: every body line that starts with `>*From ` gains one `>`,
 * which `git mailsplit --mboxrd` takes off again, so no line of a mail can be taken for the start of
 * the next one, and git reads each mail byte for byte as it would from its own file.
 */
export function amMailbox(raws: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const raw of raws) {
    // A mail taken from an mbox may still carry its envelope line; ours replaces it.
    const text = raw.subarray(0, 5).toString('latin1') === 'From ' ? raw.subarray(raw.indexOf(10) + 1) : raw;
    parts.push(Buffer.from(`${formatPatchFromLine()}\n`, 'latin1'), ...quotedFromLines(text));
  }
  return Buffer.concat(parts);
}
