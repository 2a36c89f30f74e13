import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PatchferryError } from '../shared/errors.ts';
import { loadConfig } from '../config/load.ts';
import type { Logger } from '../shared/log.ts';
import { serveDirectory, type StaticServer } from '../publish/static-server.ts';
import { repoId, repoPath, treeUrl, type RepoSite } from '../publish/layout.ts';
import { createDemoWorld, type DemoWorld } from './world.ts';
import { assertDatabaseFree, runJob, type JobSummary } from '../runtime/index.ts';

export interface DemoResult {
  readonly world: DemoWorld;
  readonly configPath: string;
  /** The server of the repositories; null with `serve: false`, which binds nothing. */
  readonly server: StaticServer | null;
  /** Where the repositories are: the server's URL, or a file:// URL when not serving. */
  readonly repoBaseUrl: string;
  readonly job: JobSummary;
  /** A dnf command that installs the demo package from the served repository into a scratch root. */
  readonly dnfCommand: string;
}

/** Makes the demo world, serves its repository directory on loopback (unless `serve` is false:
 * then nothing is bound, and the repositories are named by file:// URLs), and runs the main job once. */
export async function runDemo(opts: {
  dir: string;
  port?: number;
  serve?: boolean;
  log: Logger;
  /** Told each step as it starts. */
  progress?: (line: string) => void;
}): Promise<DemoResult> {
  // A demo still running on this world (its daemon holds the database) and a busy port must both
  // stop this one before the old world is wiped, not after.
  if (existsSync(join(opts.dir, DEMO_DATABASE))) assertDatabaseFree(join(opts.dir, DEMO_DATABASE));
  if (opts.serve !== false && opts.port) await portFree(opts.port);
  opts.progress?.(`Making the demo world in ${opts.dir} ...`);
  const world = await createDemoWorld(opts.dir);
  await mkdir(world.repoRoot, { recursive: true });
  const server = opts.serve === false ? null : await serveDirectory(world.repoRoot, { port: opts.port ?? 0 });
  const repoBaseUrl = server ? server.url : `${pathToFileURL(world.repoRoot).href}/`;
  try {
    const configPath = join(world.dir, 'patchferry.yml');
    // Not serving, the reports name the URL a later `patchferry demo --port` would serve them at.
    await writeFile(configPath, demoConfig(server ? server.url : `http://127.0.0.1:${opts.port || 8080}/`));
    const config = loadConfig(configPath);
    const job = await runJob(config, opts.log);
    const site: RepoSite = { channel: 'builds', project: 'hello', branch: 'master', platform: 'fc41' };
    const url = treeUrl(repoBaseUrl, repoPath(site, 'x86_64'));
    const id = repoId(site);
    const dnfCommand = [
      'dnf --setopt=reposdir=/dev/null --setopt=install_weak_deps=False --nogpgcheck',
      `--repofrompath=${id},${url} --repo=${id} --releasever=41`,
      `--installroot=${join(world.dir, 'installroot')} install -y hello`,
    ].join(' ');
    return { world, configPath, server, repoBaseUrl, job, dnfCommand };
  } catch (err) {
    await server?.close();
    throw err;
  }
}

/** Throws PatchferryError `serve_failed` when `port` on 127.0.0.1 cannot be bound (taken). */
async function portFree(port: number): Promise<void> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new PatchferryError(
          'serve_failed',
          `cannot serve the demo's repositories on 127.0.0.1:${port}: ${err.code === 'EADDRINUSE' ? 'the port is in use; choose another with --port (0 picks a free one)' : err.message}`,
          { cause: err },
        ),
      ),
    );
    probe.listen(port, '127.0.0.1', resolve);
  });
  await new Promise((resolve) => probe.close(resolve));
}

/** The demo world's state database, relative to its directory. */
const DEMO_DATABASE = 'state/patchferry.db';

export function demoConfig(baseUrl: string): string {
  return `# Written by "patchferry demo": direct mode, everything local.
state:
  database: ${DEMO_DATABASE}
workDir: work
sources:
  - type: mbox
    path: list.mbox
projects:
  hello:
    git: upstream/hello.git
    branches: [master, stable-1.0]
    spec: hello.spec
    platforms: [el9, fc41]
    # The test stage: each build goes to testing/, is installed into an empty root with dnf, and
    # runs this there in the sandbox; passing, it is promoted to stable/.
    tests:
      - { name: version, run: [hello, --version] }
platforms:
  el9: { dist: .el9, arch: x86_64, releasever: "9" }
  fc41: { dist: .fc41, arch: x86_64, releasever: "41" }
builder:
  type: rpmbuild
publisher:
  root: repos
  baseUrl: ${baseUrl}
reporter:
  from: patchferry <patchferry@example.org>
  listAddress: hello-devel@example.org
  failureRecipients: [mia@example.org]
  outbox: outbox.mbox
# Direct mode pushes onto the branches: only the project's people have series applied.
trust:
  senders: [example.org]
`;
}
