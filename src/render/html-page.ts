/** The published tree's HTML pages (repository indexes, the patches archive): one document shape,
 * one style, one escaping. Pure. */

const STYLE = [
  'body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}',
  'h1{font-size:1.4rem;word-break:break-all}',
  'table{border-collapse:collapse;width:100%}',
  'th,td{text-align:left;padding:.25rem .75rem .25rem 0;border-bottom:1px solid #eee;vertical-align:top}',
  'td.n,td.size,th.size{text-align:right;white-space:nowrap}',
  'td.date{white-space:nowrap}',
  'pre{background:#f6f8fa;padding:.75rem;overflow-x:auto}',
  'footer{margin-top:2rem;color:#777;font-size:.85rem}',
].join('');

/** A whole HTML document: `title` as the heading (and, with " — <site>", the window's title), the
 * `nav` and `body` as given (HTML), and a footer dating the page (`generated`, ISO 8601 UTC). */
export function htmlPage(p: {
  readonly title: string;
  readonly site: string;
  readonly nav: string;
  readonly body: readonly string[];
  readonly generated: string;
}): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeText(p.title)} — ${escapeText(p.site)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<nav>${p.nav}</nav>`,
    `<h1>${escapeText(p.title)}</h1>`,
    ...p.body,
    `<footer>Made by patchferry at <time datetime="${escapeAttr(p.generated)}">${escapeText(shortDate(p.generated))}</time>.</footer>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** "2026-11-29T22:05:13.123Z" → "2026-11-29 22:05 UTC". */
export function shortDate(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** Text for element content: names and subjects may come from mail. */
export function escapeText(s: string): string {
  return s.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/** Text for a double-quoted attribute value. */
export function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;');
}
