import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `dir`/patchferry.yml for the shape most sync and scan tests run: one project, hello, at `git`,
 * applied directly (no forge), built for el9 only, reading `mbox` (list.mbox), its state, work
 * area, repositories and outbox inside `dir`. `project` adds keys to hello's entry
 * (`lists: [hello-devel.example.org]`), `more` adds top-level YAML. Returns the file's path.
 */
export function writeHelloConfig(
  dir: string,
  o: { git: string; branches?: readonly string[]; mbox?: string; project?: string; more?: string },
): string {
  const config = join(dir, 'patchferry.yml');
  const extra = o.project ? `, ${o.project}` : '';
  writeFileSync(
    config,
    `state: { database: state.db }
workDir: work-area
sources: [{ type: mbox, path: ${JSON.stringify(o.mbox ?? 'list.mbox')} }]
projects:
  hello: { git: ${o.git}, branches: [${(o.branches ?? ['master']).join(', ')}], platforms: [el9]${extra} }
platforms:
  el9: { dist: .el9, arch: noarch }
publisher: { root: repos, baseUrl: http://127.0.0.1:1/ }
reporter: { from: patchferry <patchferry@example.org>, listAddress: list@example.org, outbox: outbox.mbox }
${o.more ?? ''}`,
  );
  return config;
}
