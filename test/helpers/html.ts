import { parse } from 'parse5';

/** The parse errors the HTML standard's parser reports for a document (parse5): none for valid markup. */
export function htmlErrors(html: string): string[] {
  const errors: string[] = [];
  parse(html, { onParseError: (e) => errors.push(`${e.code} at line ${e.startLine}`) });
  return errors;
}
