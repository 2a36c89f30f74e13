import { readdir, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { renderIndexPage, type IndexEntry } from '../render/repo-index.ts';
import { PUBLIC_KEY_FILE, platformPath, repoFileName, repoFileUrl, type RepoSite } from './layout.ts';
import { repoDirOf, type RepoState } from './repo-state.ts';
import { writeReplacing } from './state-dir.ts';

export const INDEX = 'index.html';

/** The dnf lines that add a platform's repositories, for dnf 5 and dnf 4. */
export function addRepoCommands(baseUrl: string, site: RepoSite): string[] {
  const url = repoFileUrl(baseUrl, site);
  return [
    '# dnf 5 (Fedora 41 and later)',
    `sudo dnf config-manager addrepo --from-repofile=${url}`,
    '# dnf 4 (RHEL 8 and 9, older Fedora)',
    `sudo dnf config-manager --add-repo ${url}`,
  ];
}

/**
 * Writes the index pages inside a platform state: the platform directory's (its repositories and
 * the .repo file) and each repository's (its packages with size, date and summary). Dates are the
 * packages' publication times from the manifest.
 */
export async function writeStatePages(opts: {
  stateDir: string;
  state: RepoState;
  site: RepoSite;
  baseUrl: string;
  generated: string;
}): Promise<void> {
  const { state, site } = opts;
  const dirs = [...new Set(state.packages.map((p) => repoDirOf(p.path)))].sort(sourcesLast);
  const add = addRepoCommands(opts.baseUrl, site);
  const repoFile = await stat(join(opts.stateDir, repoFileName(site)));
  const platformEntries: IndexEntry[] = dirs.map((dir) => {
    const inDir = state.packages.filter((p) => repoDirOf(p.path) === dir);
    return {
      name: dir,
      href: `${dir}/`,
      directory: true,
      size: null,
      modified: latest(inDir.map((p) => p.publishedAt)),
      note: `${inDir.length} ${dir === 'SRPMS' ? 'source package' : 'package'}${inDir.length === 1 ? '' : 's'}`,
    };
  });
  platformEntries.push({
    name: repoFileName(site),
    href: repoFileName(site),
    directory: false,
    size: repoFile.size,
    modified: latest(state.packages.map((p) => p.publishedAt)),
    note: 'for /etc/yum.repos.d/',
  });
  await writeReplacing(
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
    const packages = state.packages
      .filter((p) => repoDirOf(p.path) === dir)
      .sort((a, b) => a.name.localeCompare(b.name) || b.seq - a.seq);
    const names = [...new Set(packages.filter((p) => !p.source).map((p) => p.name))];
    await writeReplacing(
      join(opts.stateDir, dir, INDEX),
      renderIndexPage({
        path: `${platformPath(site)}/${dir}`,
        commands:
          dir === 'SRPMS'
            ? add
            : [...add, `sudo dnf install ${names.filter((n) => !/-debug(info|source)$/.test(n)).join(' ')}`],
        entries: [
          {
            name: 'repodata',
            href: 'repodata/',
            directory: true,
            size: null,
            modified: null,
            note: 'the metadata dnf reads',
          },
          ...packages.map((p) => ({
            name: p.path.slice(dir.length + 1),
            href: encodeURIComponent(p.path.slice(dir.length + 1)),
            directory: false,
            size: p.size,
            modified: p.publishedAt,
            note: `${p.summary} (build ${p.buildId})`,
          })),
        ],
        generated: opts.generated,
      }),
    );
  }
}

/**
 * Writes the index page of every directory from `from` up to the root (not inside states): what
 * each holds, with the dates of its entries. Each page is replaced with one rename.
 */
export async function writeTreePages(root: string, from: string, generated: string): Promise<void> {
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
    const page = renderIndexPage({
      path,
      ...(path === ''
        ? {
            intro:
              'Yum repositories built by patchferry: one directory per project, then branch and platform.',
          }
        : {}),
      entries,
      generated,
    });
    const tmp = join(dir, `.${INDEX}.${process.pid}`);
    await writeFile(tmp, page);
    await rename(tmp, join(dir, INDEX));
    if (path === '') return;
  }
}

function latest(dates: readonly string[]): string | null {
  return dates.length === 0 ? null : dates.reduce((a, b) => (a > b ? a : b));
}

function sourcesLast(a: string, b: string): number {
  return Number(a === 'SRPMS') - Number(b === 'SRPMS') || a.localeCompare(b);
}
