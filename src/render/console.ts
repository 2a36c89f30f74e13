import { addRepoLines } from '../rpm/dnf.ts';
import type {
  BuildRow,
  DeadUnitRow,
  MergeRequestRow,
  PublicationRow,
  QueuedBuildRow,
  SeriesRow,
} from '../ports/overview.ts';

/** Everything the console page shows, read by the daemon just before rendering. */
export interface ConsoleView {
  /** ISO 8601: durations of running builds are counted to it. */
  readonly now: string;
  /** Put in every form; a POST without it is refused (the page's origin alone can read it). */
  readonly csrf: string;
  /** ISO 8601, or null when no nightly schedule is configured. */
  readonly nextNightly: string | null;
  readonly timezone: string;
  /** What the Run pipeline form offers. */
  readonly projects: readonly { name: string; branches: readonly string[]; platforms: readonly string[] }[];
  readonly series: readonly SeriesRow[];
  readonly mergeRequests: readonly MergeRequestRow[];
  readonly builds: readonly BuildRow[];
  readonly queued: readonly QueuedBuildRow[];
  readonly publications: readonly PublicationRow[];
  /** Each configured platform's dist tag, which says the dnf of its dnf line. */
  readonly dists: Readonly<Record<string, string>>;
  readonly dead: readonly DeadUnitRow[];
  /** What the last form did, shown once at the top ("Pipeline queued …"). */
  readonly notice: string | null;
}

/** Text for HTML content and quoted attribute values: mail subjects and senders are untrusted. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const e = escapeHtml;

/** The console as one HTML document: plain HTML and a little CSS, no script. */
export function renderConsole(v: ConsoleView): string {
  return page(
    'patchferry',
    [
      v.notice ? `<p class="notice" role="status">${e(v.notice)}</p>` : '',
      pipelineForm(v),
      section('Builds', buildsTable(v)),
      section('Published repositories', publicationsTable(v.publications, v.dists)),
      section('Series', seriesTable(v.series)),
      v.mergeRequests.length ? section('Merge requests', mergeRequestsTable(v.mergeRequests)) : '',
      section('Units given up on', deadTable(v)),
    ].join('\n'),
  );
}

/** A page around `body`; also used for the login form and error pages. */
export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1><a href="/">patchferry</a></h1></header>
<main>
${body}
</main>
</body>
</html>
`;
}

/** The form that asks for a token when the console is reached from another machine. */
export function renderLogin(message: string | null): string {
  return page(
    'patchferry: sign in',
    `${message ? `<p class="notice">${e(message)}</p>` : ''}
<form method="post" action="/login">
<label>Console token <input type="password" name="token" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form>`,
  );
}

function pipelineForm(v: ConsoleView): string {
  const projects = v.projects.map((p) => `<option value="${e(p.name)}">${e(p.name)}</option>`).join('');
  const branches = [...new Set(v.projects.flatMap((p) => p.branches))]
    .map((b) => `<option value="${e(b)}">${e(b)}</option>`)
    .join('');
  const platforms = [...new Set(v.projects.flatMap((p) => p.platforms))]
    .map(
      (p) => `<label class="check"><input type="checkbox" name="platforms" value="${e(p)}"> ${e(p)}</label>`,
    )
    .join(' ');
  const next = v.nextNightly
    ? `Next nightly run: <time datetime="${e(v.nextNightly)}">${e(when(v.nextNightly))}</time> (${e(v.timezone)} schedule)`
    : 'No nightly run is scheduled (schedule.nightly).';
  return `<section id="pipeline">
<h2>Run pipeline</h2>
<p>${next}</p>
<form method="post" action="/pipeline">
<input type="hidden" name="csrf" value="${e(v.csrf)}">
<label>Project <select name="project"><option value="">every project</option>${projects}</select></label>
<label>Branch <select name="branch"><option value="">every branch</option>${branches}</select></label>
<fieldset><legend>Platforms (none: every one)</legend>${platforms}</fieldset>
<button type="submit">Run pipeline</button>
</form>
</section>`;
}

function buildsTable(v: ConsoleView): string {
  const queued = v.queued
    .filter((q) => q.state !== 'running')
    .map((q) =>
      row([
        e(q.project),
        e(q.branch),
        code(q.commit),
        e(q.target),
        state(q.state === 'failed' ? 'retrying' : 'queued'),
        '',
        '',
      ]),
    );
  const builds = v.builds.map((b) =>
    row([
      e(b.project),
      e(b.branch),
      code(b.commit),
      e(b.target),
      state(b.state, b.error),
      e(duration(b.startedAt, b.finishedAt ?? v.now)),
      b.logPath ? `<a href="/builds/${b.id}/log">log</a>` : '',
    ]),
  );
  if (queued.length + builds.length === 0) return '<p class="empty">No build yet.</p>';
  return table(['Project', 'Branch', 'Commit', 'Target', 'State', 'Duration', 'Log'], [...queued, ...builds]);
}

function publicationsTable(list: readonly PublicationRow[], dists: Readonly<Record<string, string>>): string {
  if (list.length === 0) return '<p class="empty">Nothing published yet.</p>';
  return table(
    ['Project', 'Branch', 'Target', 'Commit', 'Repository', 'Tests', 'Install with dnf'],
    list.map((p) =>
      row([
        e(p.project),
        e(p.branch),
        e(p.target),
        code(p.commit),
        link(p.url, p.url),
        testsCell(p.tests),
        `<code class="dnf">${dnfLines(p, dists[p.target]).map(e).join('<br>')}</code>`,
      ]),
    ),
  );
}

/** The test stage of a published build: promoted to stable, or why it stays in testing, with
 * the repository it is in (testing is where a maintainer installs it from to see why). */
function testsCell(t: PublicationRow['tests']): string {
  if (t === null) return '';
  if (t.state === 'passed' && t.stableUrl) return `${state('passed')} ${link(t.stableUrl, 'stable')}`;
  const shown = {
    passed: state('passed'),
    failed: state('failed'),
    'not-installed': `<span class="state bad">not installed</span>`,
    'not-run': `<span class="state busy">not run</span>`,
  }[t.state];
  return `${shown} ${link(t.testingUrl, 'testing')}`;
}

/** The dnf lines that add a published repository: its .repo file (Copr's way) with the command of
 * the platform's dnf (src/rpm/dnf.ts), or a one-off repository where there is no .repo file. */
export function dnfLines(
  p: Pick<PublicationRow, 'project' | 'branch' | 'target' | 'url' | 'repoFileUrl'>,
  dist: string | undefined,
): string[] {
  return p.repoFileUrl
    ? addRepoLines(dist, p.repoFileUrl)
    : [
        `dnf --repofrompath=${p.project}-${p.branch}-${p.target},${p.url} --repo=${p.project}-${p.branch}-${p.target} install ${p.project}`,
      ];
}

function seriesTable(list: readonly SeriesRow[]): string {
  if (list.length === 0) return '<p class="empty">No series yet.</p>';
  return table(
    ['Series', 'Project', 'Branch', 'Sender', 'Outcome', 'Updated'],
    list.map((s) =>
      row([
        `${e(s.title)} <span class="muted">v${s.version}, ${s.total} patch(es)</span>${
          s.mergeRequestUrl ? ` ${link(s.mergeRequestUrl, 'MR')}` : ''
        }`,
        e(s.project),
        e(s.branch),
        e(s.sender),
        state(s.state),
        e(when(s.updatedAt)),
      ]),
    ),
  );
}

function mergeRequestsTable(list: readonly MergeRequestRow[]): string {
  return table(
    ['Merge request', 'Title', 'Project', 'Into', 'State'],
    list.map((m) =>
      row([link(m.url, `!${m.number}`), e(m.title ?? ''), e(m.project), e(m.targetBranch), state(m.state)]),
    ),
  );
}

function deadTable(v: ConsoleView): string {
  if (v.dead.length === 0) return '<p class="empty">None.</p>';
  return table(
    ['Unit', 'Attempts', 'Why', 'Given up', ''],
    v.dead.map((d) =>
      row([
        code(d.key),
        String(d.attempts),
        `${d.code ? `${code(d.code)} ` : ''}${e(d.message ?? '')}`,
        e(when(d.updatedAt)),
        `<form method="post" action="/retry"><input type="hidden" name="csrf" value="${e(v.csrf)}"><input type="hidden" name="key" value="${e(d.key)}"><button type="submit">Retry</button></form>`,
      ]),
    ),
  );
}

function section(title: string, body: string): string {
  return `<section><h2>${e(title)}</h2>\n${body}\n</section>`;
}

function table(head: readonly string[], rows: readonly string[]): string {
  return `<table>\n<thead><tr>${head.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`;
}

/** A row of cells already rendered as HTML. */
function row(cells: readonly string[]): string {
  return `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
}

/** A link to an http(s) URL; any other scheme (javascript:, data:) is shown as text, not linked. */
function link(url: string, text: string): string {
  return /^https?:\/\//i.test(url) ? `<a href="${e(url)}">${e(text)}</a>` : e(text);
}

function code(text: string): string {
  return `<code>${e(text.length === 40 ? text.slice(0, 12) : text)}</code>`;
}

function state(name: string, title?: string | null): string {
  const cls = /^(succeeded|applied|merged|published|done|passed)$/.test(name)
    ? 'ok'
    : /^(failed|dead|error|closed)$/.test(name)
      ? 'bad'
      : 'busy';
  return `<span class="state ${cls}"${title ? ` title="${e(title)}"` : ''}>${e(name)}</span>`;
}

/** "2026-03-02 10:15 UTC" from an ISO 8601 instant. */
function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "1 min 5 s" between two ISO 8601 instants. */
function duration(from: string, to: string): string {
  const s = Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));
  if (!Number.isFinite(s)) return '';
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

const CSS = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;padding:.6rem 1.2rem}header h1{margin:0;font-size:1.2rem}header a{color:#fff;text-decoration:none}
main{padding:1rem 1.2rem;max-width:80rem}
section{background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:.4rem 1rem 1rem;margin:0 0 1rem}
h2{font-size:1.05rem}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eceef2;vertical-align:top}
th{font-weight:600;color:#566}code{font-size:.9em}code.dnf{user-select:all}
.state{padding:0 .4rem;border-radius:3px}.ok{background:#d9f2dd}.bad{background:#f8d7d7}.busy{background:#fdf0c9}
.muted,.empty{color:#778}.notice{background:#e4effc;border:1px solid #b9d3f5;padding:.5rem .8rem;border-radius:4px}
form label{margin-right:1rem}fieldset{border:0;padding:.4rem 0;margin:0}legend{padding:0}
button{font:inherit;padding:.25rem .9rem}td form{margin:0}
`;
