import { randomBytes } from 'node:crypto';
import { readdir, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { addRepoCommand } from '../rpm/dnf.ts';
import { renderIndexPage, type IndexEntry } from '../render/repo-index.ts';
import {
  LOGS_DIR,
  PACKAGES_DIR,
  PUBLIC_KEY_FILE,
  SOURCE_DIR,
  platformPath,
  repoFileName,
  repoFileUrl,
  type RepoSite,
} from './layout.ts';
import { repoDirOf, type StatePackage, type StateSummary } from './repo-state.ts';

export const INDEX = 'index.html';

/** The dnf lines that add a platform's repositories, for dnf 5 and dnf 4. */
export function addRepoCommands(baseUrl: string, site: RepoSite): string[] {
  const url = repoFileUrl(baseUrl, site);
  return [
    '# dnf 5 (Fedora 41 and later)',
    `sudo ${addRepoCommand(5, url)}`,
    '# dnf 4 (RHEL 8 and 9, older Fedora)',
    `sudo ${addRepoCommand(4, url)}`,
  ];
}

/** A repository's page names the packages to install when it has no more names than this; a
 * larger one leaves it to its letters' pages. */
const INSTALL_LINE_NAMES = 30;

/**
 * Writes the index pages inside a platform state, from its manifest's summary: the platform
 * directory's (its repositories and the .repo file), and each repository's and its Packages/
 * directory's (the letters, with package counts and dates). Each letter's packages are listed by
 * the page in its shared directory (writeLetterPage). Dates are the packages' publication times.
 */
export async function writeStatePages(opts: {
  stateDir: string;
  summary: StateSummary;
  site: RepoSite;
  baseUrl: string;
  generated: string;
}): Promise<void> {
  const { summary, site } = opts;
  const dirs = Object.keys(summary.repos)
    .filter((d) => Object.keys(summary.repos[d] ?? {}).length > 0)
    .sort(sourcesLast);
  const add = addRepoCommands(opts.baseUrl, site);
  const repoFile = await stat(join(opts.stateDir, repoFileName(site)));
  const lettersOf = (dir: string) =>
    Object.entries(summary.repos[dir] ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const count = (dir: string) => lettersOf(dir).reduce((n, [, s]) => n + s.packages, 0);
  const newest = (dir: string) => latest(lettersOf(dir).map(([, s]) => s.latest));
  const platformEntries: IndexEntry[] = dirs.map((dir) => ({
    name: dir,
    href: `${dir}/`,
    directory: true,
    size: null,
    modified: newest(dir),
    note: packagesNote(dir, count(dir)),
  }));
  platformEntries.push({
    name: repoFileName(site),
    href: repoFileName(site),
    directory: false,
    size: repoFile.size,
    modified: latest(dirs.map(newest).filter((d) => d !== null)),
    note: 'for /etc/yum.repos.d/',
  });
  await writeFile(
    join(opts.stateDir, INDEX),
    renderIndexPage({
      path: platformPath(site),
      intro: `Yum repositories of ${site.project} ${site.branch} for ${site.platform}${site.channel === 'builds' ? '' : ` (${site.channel})`}: one per architecture, and the source packages. The newest builds of each package stay, so older ones can be installed again with dnf downgrade.`,
      commands: add,
      entries: platformEntries,
      generated: opts.generated,
    }),
  );
  for (const dir of dirs) {
    const letters = lettersOf(dir).map(([letter, s]) => ({
      name: `${PACKAGES_DIR}/${letter}`,
      href: `${PACKAGES_DIR}/${encodeURIComponent(letter)}/`,
      directory: true,
      size: null,
      modified: s.latest,
      note: `${packagesNote(dir, s.packages)}: ${s.names.slice(0, 5).join(', ')}${s.names.length > 5 ? ', …' : ''}`,
    }));
    await writeFile(
      join(opts.stateDir, dir, INDEX),
      renderIndexPage({
        path: `${platformPath(site)}/${dir}`,
        commands:
          dir === SOURCE_DIR ? add : [...add, ...installLine(lettersOf(dir).flatMap(([, s]) => s.names))],
        entries: [
          {
            name: 'repodata',
            href: 'repodata/',
            directory: true,
            size: null,
            modified: null,
            note: 'the metadata dnf reads',
          },
          ...letters,
        ],
        generated: opts.generated,
      }),
    );
    await writeFile(
      join(opts.stateDir, dir, PACKAGES_DIR, INDEX),
      renderIndexPage({
        path: `${platformPath(site)}/${dir}/${PACKAGES_DIR}`,
        entries: letters.map((e) => ({
          ...e,
          name: e.name.slice(PACKAGES_DIR.length + 1),
          href: e.href.slice(PACKAGES_DIR.length + 1),
        })),
        generated: opts.generated,
      }),
    );
  }
}

/**
 * Writes the page of one letter's shared package directory `dir` (`…/<repo>/Packages/<letter>`):
 * its packages with size, date and summary, and the dnf line that installs them.
 */
export async function writeLetterPage(opts: {
  dir: string;
  packages: readonly StatePackage[];
  site: RepoSite;
  baseUrl: string;
  generated: string;
}): Promise<void> {
  const repo = repoDirOf(opts.packages[0]?.path ?? '');
  const packages = [...opts.packages].sort((a, b) => a.name.localeCompare(b.name) || b.seq - a.seq);
  const names = [...new Set(packages.filter((p) => !p.source).map((p) => p.name))];
  const add = addRepoCommands(opts.baseUrl, opts.site);
  await writeFile(
    join(opts.dir, INDEX),
    renderIndexPage({
      path: `${platformPath(opts.site)}/${repo}/${PACKAGES_DIR}/${basename(opts.dir).replace(/\.\d+$/, '')}`,
      commands: repo === SOURCE_DIR ? add : [...add, ...installLine(names)],
      entries: packages.map((p) => ({
        name: basename(p.path),
        href: encodeURIComponent(basename(p.path)),
        directory: false,
        size: p.size,
        modified: p.publishedAt,
        note: `${p.summary} (build ${p.buildId})`,
      })),
      generated: opts.generated,
    }),
  );
}

/** `sudo dnf install` and the names (debug packages left out), when there are few enough. */
function installLine(names: readonly string[]): string[] {
  const wanted = [...new Set(names)].filter((n) => !/-debug(info|source)$/.test(n)).sort();
  return wanted.length > 0 && wanted.length <= INSTALL_LINE_NAMES
    ? [`sudo dnf install ${wanted.join(' ')}`]
    : [];
}

function packagesNote(dir: string, n: number): string {
  return `${n} ${dir === SOURCE_DIR ? 'source package' : 'package'}${n === 1 ? '' : 's'}`;
}

/** What the pages of the tree's own directories say under their heading, by path under the root. */
const INTROS: Readonly<Record<string, string>> = {
  '': 'Yum repositories built by patchferry: one directory per project, then branch and platform.',
  [LOGS_DIR]:
    "The logs of patchferry's local builds: one directory per project, branch and platform, then one per build (<build id>-<NVR>) for the newest builds, as many as the repositories keep.",
};

/**
 * Writes the index page of every directory from `from` up to `top` (the root unless given; not
 * inside states): what each holds, with the dates of its entries. Each page is replaced with one
 * rename, from a temporary of its own (two writers in one process never share one).
 */
export async function writeTreePages(
  root: string,
  from: string,
  generated: string,
  top: string = root,
): Promise<void> {
  for (let dir = from; ; dir = dirname(dir)) {
    const path = relative(root, dir);
    const names = (await readdir(dir)).filter(
      (n) => !n.startsWith('.') && n !== INDEX && !n.includes('.next-'),
    );
    const entries: IndexEntry[] = [];
    for (const name of names.sort()) {
      const info = await stat(join(dir, name)).catch(() => null);
      if (info === null) continue;
      entries.push({
        name,
        href: info.isDirectory() ? `${encodeURIComponent(name)}/` : encodeURIComponent(name),
        directory: info.isDirectory(),
        size: info.isDirectory() ? null : info.size,
        modified: info.mtime.toISOString(),
        ...(name === PUBLIC_KEY_FILE ? { note: 'the key packages and metadata are signed with' } : {}),
      });
    }
    const intro = INTROS[path];
    const page = renderIndexPage({ path, ...(intro ? { intro } : {}), entries, generated });
    const tmp = join(dir, `.${INDEX}.${process.pid}.${randomBytes(6).toString('hex')}`);
    await writeFile(tmp, page);
    await rename(tmp, join(dir, INDEX));
    if (path === '' || dir === top) return;
  }
}

function latest(dates: readonly string[]): string | null {
  return dates.length === 0 ? null : dates.reduce((a, b) => (a > b ? a : b));
}

function sourcesLast(a: string, b: string): number {
  return Number(a === SOURCE_DIR) - Number(b === SOURCE_DIR) || a.localeCompare(b);
}
