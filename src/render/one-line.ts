/** RFC 5322 2.1.1: a line is at most 998 characters. Names and subjects come from mail, so from
 * outsiders; wherever patchferry writes one (a header, a line of a report), it is this. */
export const LINE_MAX = 998;

/** A text as one line: control characters (CR and LF above all, which would start a new header
 * or line) become spaces, runs of white space one, and past `max` characters it is cut, ending
 * with "…". Pure. */
export function oneLine(text: string, max = LINE_MAX - 98): string {
  const flat = text
    // eslint-disable-next-line no-control-regex
    .replace(/[\x00-\x1f\x7f]+/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
