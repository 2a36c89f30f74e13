import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** The package file names a repository's primary metadata lists, sorted. */
export function primaryLocations(repo: string): string[] {
  const repomd = readFileSync(join(repo, 'repodata', 'repomd.xml'), 'utf8');
  const href = /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(repomd)?.[1];
  if (!href) throw new Error(`no primary in ${repo}`);
  const primary = gunzipSync(readFileSync(join(repo, href))).toString('utf8');
  return [...primary.matchAll(/<location href="([^"]+)"/g)].map((m) => m[1] as string).sort();
}
