import { statSync, type Stats } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { creatable } from '../shared/creatable.ts';
import type { Config } from './schema.ts';

/**
 * What the file system says against a loaded configuration (paths already absolute): paths that
 * must exist and do not, and paths patchferry must create where it cannot (under a file, under
 * /proc). One sentence per problem, naming the key; `config check` and every start run it.
 */
export function pathProblems(config: Config, options: { sources?: boolean } = {}): string[] {
  const out: string[] = [];
  // `import` reads the files it is given, not the configured sources.
  const sources = options.sources === false ? [] : config.sources;
  sources.forEach((s, i) => {
    const key = `sources[${i}]`;
    if (s.type === 'imap') {
      if (s.caFile) mustExist(out, `${key}.caFile`, s.caFile, 'file');
      return;
    }
    mustExist(out, `${key}.path`, s.path, s.type === 'mbox' ? 'file' : 'folder');
  });
  for (const [name, p] of Object.entries(config.projects))
    if (isLocalPath(p.git)) mustExist(out, `projects.${name}.git`, p.git, 'folder');
  if (config.state.database !== ':memory:') {
    const problem = creatable(config.state.database, 'file');
    if (problem) out.push(`state.database: ${problem}`);
  }
  // A base repository on this machine that is not there would fail every check's install, after
  // the build and its publication.
  for (const [name, p] of Object.entries(config.platforms))
    (p.baseRepos ?? []).forEach((repo, i) => {
      if (repo.startsWith('file://'))
        mustExist(out, `platforms.${name}.baseRepos[${i}]`, fileURLToPath(repo), 'folder');
    });
  const target = config.publisher.target;
  if (target.kind === 'rsync') {
    // Without them every publication would fail at the first upload, after the build.
    mustExist(out, 'publisher.target.knownHosts', target.knownHosts, 'file');
    if (target.identityFile) mustExist(out, 'publisher.target.identityFile', target.identityFile, 'file');
  }
  for (const [key, path] of [
    ['workDir', config.workDir],
    ['publisher.root', config.publisher.root],
  ] as const) {
    const problem = creatable(path, 'folder');
    if (problem) out.push(`${key}: ${problem}`);
  }
  return out;
}

/** A git remote given as a path on this machine (not a URL, not scp-like host:path). */
export function isLocalPath(git: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(git) && !/^[^/]+@[^/]+:/.test(git) && !/^[^/:]+:/.test(git);
}

function stat(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

function mustExist(out: string[], key: string, path: string, kind: 'file' | 'folder'): void {
  const s = stat(path);
  if (s === null) out.push(`${key}: ${path} does not exist; create it, or correct the path`);
  else if (kind === 'folder' && !s.isDirectory()) out.push(`${key}: ${path} is not a folder`);
  else if (kind === 'file' && s.isDirectory()) out.push(`${key}: ${path} is a folder, not a file`);
}
