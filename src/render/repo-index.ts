/**
 * The index.html of a directory of the published tree: what is there with sizes and dates, and how
 * to install from it with dnf. Pure; every value is escaped. Valid HTML5 (checked in the tests with
 * parse5's spec parser), readable without scripts, narrow enough for a phone.
 */
import { escapeAttr, escapeText, htmlPage, shortDate } from './html-page.ts';

export interface IndexEntry {
  readonly name: string;
  /** Relative to the page: `x86_64/`, `hello-1.0-1.fc41.x86_64.rpm`. */
  readonly href: string;
  readonly directory: boolean;
  /** Bytes; null for a directory. */
  readonly size: number | null;
  /** ISO 8601, UTC; null when not known. */
  readonly modified: string | null;
  /** A short description: a package's summary, what a directory holds. */
  readonly note?: string;
}

export interface IndexPage {
  /** The directory's path under the root, '' for the root. */
  readonly path: string;
  /** A paragraph under the heading. */
  readonly intro?: string;
  /** Commands shown under "Install with dnf", each a line. */
  readonly commands?: readonly string[];
  readonly entries: readonly IndexEntry[];
  /** When the page was made (ISO 8601, UTC). */
  readonly generated: string;
}

/** Renders the page as a whole HTML document. */
export function renderIndexPage(page: IndexPage): string {
  const title = `/${page.path}${page.path === '' ? '' : '/'}`;
  const rows = page.entries.map(
    (e) =>
      `<tr><td><a href="${attr(e.href)}">${text(e.name)}${e.directory ? '/' : ''}</a></td>` +
      `<td class="size">${e.size === null ? '—' : humanSize(e.size)}</td>` +
      `<td class="date">${e.modified === null ? '' : `<time datetime="${attr(e.modified)}">${text(shortDate(e.modified))}</time>`}</td>` +
      `<td>${text(e.note ?? '')}</td></tr>`,
  );
  return htmlPage({
    title,
    site: 'patchferry repositories',
    nav: breadcrumbs(page.path),
    body: [
      ...(page.intro ? [`<p>${text(page.intro)}</p>`] : []),
      ...(page.commands && page.commands.length > 0
        ? ['<h2>Install with dnf</h2>', `<pre><code>${page.commands.map(text).join('\n')}</code></pre>`]
        : []),
      '<table>',
      '<thead><tr><th>Name</th><th class="size">Size</th><th>Published</th><th>Description</th></tr></thead>',
      `<tbody>${rows.length > 0 ? rows.join('\n') : '<tr><td colspan="4">Nothing published here yet.</td></tr>'}</tbody>`,
      '</table>',
    ],
    generated: page.generated,
  });
}

/** Links to each directory above: `/ › hello › master`. */
function breadcrumbs(path: string): string {
  const parts = path === '' ? [] : path.split('/');
  const links = [`<a href="${attr('../'.repeat(parts.length) || './')}">root</a>`];
  parts.forEach((p, i) => {
    const up = parts.length - 1 - i;
    links.push(i === parts.length - 1 ? text(p) : `<a href="${attr('../'.repeat(up))}">${text(p)}</a>`);
  });
  return links.join(' › ');
}

/** 1536 → "1.5 KiB". */
export function humanSize(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB'];
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return u === 0 ? `${n} ${units[0]}` : `${n.toFixed(1)} ${units[u]}`;
}

const text = escapeText;
const attr = escapeAttr;
