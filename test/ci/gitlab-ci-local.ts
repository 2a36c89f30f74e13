import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';

const run = promisify(execFile);
/** This checkout: the jobs run its bin/patchferry.mjs, the tests read its ci/ files. */
export const root = join(import.meta.dirname, '..', '..');
const script = join(
  dirname(createRequire(import.meta.url).resolve('gitlab-ci-local/package.json')),
  'dist',
  'index.js',
);

/** A job gitlab-ci-local would run: its name (`build: [el9]` for a matrix job) and stage. */
export interface PlannedJob {
  readonly name: string;
  readonly stage: string;
}

/** Runs the real gitlab-ci-local (npm) in `cwd` with the Node that runs the tests. */
export async function gitlabCiLocal(
  cwd: string,
  args: readonly string[],
  variables: Record<string, string> = {},
  env: NodeJS.ProcessEnv = {},
): Promise<{ stdout: string; stderr: string }> {
  const vars = Object.entries(variables).flatMap(([k, v]) => ['--variable', `${k}=${v}`]);
  return run(process.execPath, [script, ...args, ...vars], {
    cwd,
    maxBuffer: 64 * 1024 * 1024,
    // CI_PIPELINE_SOURCE is what these tests vary: gitlab-ci-local warns about setting it otherwise.
    env: { ...process.env, GCL_IGNORE_PREDEFINED_VARS: 'CI_PIPELINE_SOURCE', ...env },
  });
}

/** The jobs a pipeline of `source` would run, as gitlab-ci-local's rules evaluation decides
 * (`--list` evaluates rules; `--list-json` does not). Its table is read by the header's columns. */
export async function plannedJobs(
  cwd: string,
  source: string,
  variables: Record<string, string> = {},
): Promise<PlannedJob[]> {
  const { stdout } = await gitlabCiLocal(cwd, ['--list'], { CI_PIPELINE_SOURCE: source, ...variables });
  const lines = stdout.split('\n');
  const at = lines.findIndex((l) => /^name\s+description\s+stage\s/.test(l));
  if (at < 0) throw new Error(`gitlab-ci-local --list printed no job table:\n${stdout}`);
  const header = lines[at] as string;
  const column = (name: string) => header.indexOf(name);
  const cell = (row: string, from: string, to: string) => row.slice(column(from), column(to)).trim();
  return lines
    .slice(at + 1)
    .filter((row) => row.trim() !== '')
    .map((row) => ({ name: cell(row, 'name', 'description'), stage: cell(row, 'stage', 'when') }));
}

/** The checkout's RPM pipeline template, served over loopback HTTP for the whole test file, as a
 * GitLab instance serves it to `include: remote:`. Returns a getter for its URL. */
export function serveTemplate(): () => string {
  const template = readFileSync(join(root, 'ci', 'templates', 'rpm-pipeline.yml'), 'utf8');
  let server: Server;
  let url = '';
  beforeAll(async () => {
    server = createServer((_req, res) => res.end(template));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rpm-pipeline.yml`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return () => url;
}
