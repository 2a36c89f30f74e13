/** How git's mailinfo reads a From value into a name and an address (mailinfo.c handle_from and
 * unquote_quoted_pair): for the commits git am makes and the names patchferry shows; and git's
 * trim, which only takes ASCII white space, used wherever patchferry reads mail as git does. Pure. */

/** git's reading of a From value: the address is the token with '@' (in angle brackets or not);
 * what is left is the name, unquoted, or un-parenthesised when it is only a comment. */
export function splitFrom(from: string): { name: string; email: string } {
  // git's cleanup_space: only ASCII white space folds (a no-break space is part of a name).
  const value = asciiTrim(from.replace(/[ \t\r\n]+/g, ' '));
  const found = /<([^<>]*@[^<>]*)>/.exec(value) ?? /[^\s()<>"]+@[^\s()<>"]+/.exec(value);
  if (!found) return { name: '', email: '' };
  const email = (found[1] ?? found[0]).trim();
  const rest = value.slice(0, found.index) + value.slice(found.index + found[0].length);
  let name = asciiTrim(unquotePairs(asciiTrim(rest.replace(/[ \t\r\n]+/g, ' '))));
  if (/^\([^()]*\)$/.test(name)) name = asciiTrim(name.slice(1, -1));
  return { name: name || email, email };
}

/** git's unquote_quoted_pair: "quoted strings" lose their quotes, (comments) keep their
 * parentheses and any quotes inside, and a backslash escapes the next character in either. */
function unquotePairs(value: string): string {
  let out = '';
  let i = 0;
  while (i < value.length) {
    const c = value[i] ?? '';
    if (c === '"') {
      i++;
      while (i < value.length && value[i] !== '"') {
        if (value[i] === '\\' && i + 1 < value.length) i++;
        out += value[i++] ?? '';
      }
      i++;
    } else if (c === '(') {
      let depth = 0;
      do {
        const ch = value[i] ?? '';
        if (ch === '\\' && i + 1 < value.length) {
          out += value[i + 1] ?? '';
          i += 2;
          continue;
        }
        if (ch === '(') depth++;
        if (ch === ')') depth--;
        out += ch;
        i++;
      } while (i < value.length && depth > 0);
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** A string without ASCII white space (git's isspace: space, tab, CR, LF) at either end. */
export function asciiTrim(s: string): string {
  return s.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
}
