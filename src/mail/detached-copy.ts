/** A copy of a short string that does not keep its source alive. V8 cuts substrings as views into
 * the string they came from, so a Message-ID sliced out of a 10 KB header block would hold the
 * whole block in memory for as long as the id lives; scanning an archive keeps thousands. */
export function detachedCopy(s: string): string {
  return (' ' + s).slice(1);
}
