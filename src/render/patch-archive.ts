import { escapeAttr, escapeText, htmlPage } from './html-page.ts';
import { humanSize } from './repo-index.ts';

/**
 * The index pages of the archive of the day's patches (`patches/index.html` listing the days, and
 * `patches/<day>/index.html` listing that day's series). Pure; every value is escaped; valid HTML5.
 */

/** One archived series as the day's page lists it. */
export interface ArchiveDayEntry {
  /** Relative to the day's directory: `hello/master/greet-by-name.mbox`. */
  readonly file: string;
  readonly project: string;
  readonly branch: string;
  readonly subject: string;
  readonly sender: string;
  readonly version: number;
  readonly patches: number;
  /** Bytes of the mbox. */
  readonly bytes: number;
  /** ISO 8601, UTC. */
  readonly archivedAt: string;
}

/** The page of one day: every series applied that day, its mbox linked. */
export function renderArchiveDay(
  day: string,
  entries: readonly ArchiveDayEntry[],
  generated: string,
): string {
  const rows = [...entries]
    .sort((a, b) => a.archivedAt.localeCompare(b.archivedAt) || a.file.localeCompare(b.file))
    .map(
      (e) =>
        `<tr><td><a href="${attr(e.file.split('/').map(encodeURIComponent).join('/'))}">${text(e.subject)}</a></td>` +
        `<td>${text(`${e.project}/${e.branch}`)}</td><td>${text(e.sender)}</td>` +
        `<td class="n">${e.patches}</td><td class="n">${humanSize(e.bytes)}</td>` +
        `<td><time datetime="${attr(e.archivedAt)}">${text(e.archivedAt.slice(11, 16))} UTC</time></td></tr>`,
    );
  return page(
    `Patches applied on ${day}`,
    '<a href="../">all days</a>',
    [
      '<p>Each series as its mails came, one mbox per series (mboxrd). To apply one (its cover letter, which holds no patch, is dropped):</p>',
      '<pre><code>git am --patch-format=mboxrd --empty=drop &lt;file&gt;.mbox</code></pre>',
      '<table>',
      '<thead><tr><th>Series</th><th>Branch</th><th>From</th><th class="n">Patches</th><th class="n">Size</th><th>Applied</th></tr></thead>',
      `<tbody>${rows.length > 0 ? rows.join('\n') : '<tr><td colspan="6">Nothing applied this day.</td></tr>'}</tbody>`,
      '</table>',
    ],
    generated,
  );
}

/** The archive's top page: every day with patches, newest first. */
export function renderArchiveDays(
  days: readonly { day: string; series: number }[],
  generated: string,
): string {
  const rows = [...days]
    .sort((a, b) => b.day.localeCompare(a.day))
    .map(
      (d) =>
        `<tr><td><a href="${attr(`${d.day}/`)}">${text(d.day)}</a></td><td class="n">${d.series}</td></tr>`,
    );
  return page(
    'Patches applied, by day',
    '<a href="../">repositories</a>',
    [
      '<table>',
      '<thead><tr><th>Day (UTC)</th><th class="n">Series</th></tr></thead>',
      `<tbody>${rows.length > 0 ? rows.join('\n') : '<tr><td colspan="2">Nothing applied yet.</td></tr>'}</tbody>`,
      '</table>',
    ],
    generated,
  );
}

function page(title: string, nav: string, body: readonly string[], generated: string): string {
  return htmlPage({ title, site: 'patchferry', nav, body, generated });
}

const text = escapeText;
const attr = escapeAttr;
