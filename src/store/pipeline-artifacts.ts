import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import type { CarriedBuild, PipelineArtifacts } from '../ports/pipeline-artifacts.ts';
import { PatchferryError, errorMessage } from '../shared/errors.ts';

const archBuild = z.object({
  arch: z.string(),
  state: z.enum(['succeeded', 'failed', 'skipped']),
  rpms: z.array(z.string()),
  log: z.string().nullable(),
  reason: z.string().nullable(),
});

/** A manifest as a job wrote it; file paths are relative to the manifest's folder. */
const manifest = z.object({
  project: z.string(),
  branch: z.string(),
  commit: z.string(),
  platform: z.string(),
  arch: z.string(),
  scratch: z.boolean(),
  state: z.enum(['running', 'succeeded', 'failed']),
  logPath: z.string().nullable(),
  /** Absent from manifests written before local logs were published. */
  logUrl: z.string().nullable().default(null),
  rpms: z.array(z.string()),
  error: z.string().nullable(),
  publishedUrl: z.string().nullable(),
  repoFileUrl: z.string().nullable(),
  archBuilds: z.array(archBuild),
  srpm: z.string().nullable(),
  release: z.string().nullable(),
  failureClass: z.enum(['infrastructure', 'patch']).nullable(),
  errorLines: z.array(z.string()),
  retries: z.number(),
  taskId: z.number().nullable(),
});

const MANIFEST = 'manifest.json';

/**
 * Pipeline artifacts in a folder: `builds/<project>--<branch>--<platform>--<commit>/` holds a
 * build's `manifest.json` and its files (RPMs, SRPM, logs) under `files/`. Paths in a manifest are
 * relative, so the folder can be unpacked anywhere by the next job.
 */
export class FolderArtifacts implements PipelineArtifacts {
  readonly #root: string;

  constructor(root: string) {
    this.#root = resolve(root);
  }

  async save(build: CarriedBuild): Promise<void> {
    const dir = join(this.#root, 'builds', folderName(build));
    const files = join(dir, 'files');
    await mkdir(files, { recursive: true });
    const carried = new Map<string, string>();
    // Each file once, under its own name; a file already in this folder (a build saved again
    // after its publication) stays where it is.
    const carry = async (path: string | null): Promise<string | null> => {
      if (path === null || isUrl(path)) return path;
      const known = carried.get(path);
      if (known) return known;
      const inside = resolve(path).startsWith(`${dir}/`);
      const target = inside ? resolve(path) : join(files, basename(path));
      if (!inside) await copyFile(path, target);
      const rel = relative(dir, target);
      carried.set(path, rel);
      return rel;
    };
    const carryAll = async (paths: readonly string[]) => {
      const out: string[] = [];
      for (const p of paths) out.push((await carry(p)) as string);
      return out;
    };
    const archBuilds = [];
    for (const a of build.archBuilds)
      archBuilds.push({ ...a, rpms: await carryAll(a.rpms), log: await carry(a.log) });
    const written: z.input<typeof manifest> = {
      ...build,
      scratch: build.scratch,
      rpms: await carryAll(build.rpms),
      logPath: await carry(build.logPath),
      srpm: await carry(build.srpm),
      archBuilds,
      errorLines: [...build.errorLines],
    };
    const next = join(dir, `${MANIFEST}.next`);
    await writeFile(next, `${JSON.stringify(manifest.parse(written), null, 2)}\n`);
    await rename(next, join(dir, MANIFEST));
  }

  async load(): Promise<CarriedBuild[]> {
    const root = join(this.#root, 'builds');
    const folders = await readdir(root).catch(() => [] as string[]);
    const builds: CarriedBuild[] = [];
    for (const folder of folders.sort()) {
      const dir = join(root, folder);
      const file = join(dir, MANIFEST);
      let parsed: z.output<typeof manifest>;
      try {
        parsed = manifest.parse(JSON.parse(await readFile(file, 'utf8')));
      } catch (err) {
        throw new PatchferryError(
          'artifacts_unreadable',
          `${file}: not a build manifest patchferry wrote (${errorMessage(err)}); was the artifacts folder changed between jobs?`,
          { cause: err },
        );
      }
      const at = (p: string | null) => (p === null || isUrl(p) || isAbsolute(p) ? p : join(dir, p));
      builds.push({
        ...parsed,
        rpms: parsed.rpms.map((p) => at(p) as string),
        logPath: at(parsed.logPath),
        srpm: at(parsed.srpm),
        archBuilds: parsed.archBuilds.map((a) => ({
          ...a,
          rpms: a.rpms.map((p) => at(p) as string),
          log: at(a.log),
        })),
      });
    }
    return builds;
  }
}

function isUrl(path: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(path);
}

/** Readable, and unique per build key even where cleaning a branch name makes two alike. */
function folderName(b: CarriedBuild): string {
  const part = (s: string) => s.replace(/[^A-Za-z0-9._+-]/g, '_');
  const key = JSON.stringify([b.project, b.branch, b.platform, b.commit, b.scratch]);
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 8);
  return [b.project, b.branch, b.platform, b.commit.slice(0, 12), hash].map(part).join('--');
}
