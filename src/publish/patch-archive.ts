import { mkdir, readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { writeMboxrd } from '../mail/mboxrd.ts';
import type { ArchivedFile, ArchivedSeries, PatchArchive } from '../ports/patch-archive.ts';
import { renderArchiveDay, renderArchiveDays } from '../render/patch-archive.ts';
import { branchSlug } from '../render/slug.ts';
import { PatchferryError } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import { treeUrl } from './layout.ts';
import { KeyedSerial } from './serial.ts';

export interface FilePatchArchiveOptions {
  /** The published tree's root (publisher.root); the archive is its `patches/`. */
  readonly root: string;
  readonly baseUrl: string;
  /** Carries the archive on to the remote httpd host (RsyncTarget) once written here; none when absent. */
  readonly mirror?: { mirrorDirectory(dir: string, signal?: AbortSignal): Promise<void> };
  readonly log: Logger;
}

/** The archive's top directory under the published root (a name projects cannot take). */
export const ARCHIVE_DIR = 'patches';

/** What a day's directory holds, beside its files: the index pages are made from it, and a series
 * archived again finds its file there. Hidden (a leading dot), like the repositories' manifests. */
const MANIFEST = '.patchferry-archive.json';

const manifest = z.object({
  version: z.literal(1),
  entries: z.array(
    z.object({
      seriesId: z.string(),
      file: z.string(),
      project: z.string(),
      branch: z.string(),
      subject: z.string(),
      sender: z.string(),
      version: z.number(),
      patches: z.number(),
      bytes: z.number(),
      archivedAt: z.string(),
    }),
  ),
});
type Manifest = z.output<typeof manifest>;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The archive of the day's patches as files under the published root, served with the repositories.
 * A series' file is `patches/<day>/<project>/<branch>/<slug>.mbox`, the slug made from its title
 * (ASCII letters, digits and dashes; `-2`, `-3` after it when the day has that name already). Every
 * file is written beside its place and renamed into it, so a reader gets a whole mbox or none; one
 * day's files are written one series at a time. Archiving a series again returns the file it has.
 */
export class FilePatchArchive implements PatchArchive {
  readonly #opts: FilePatchArchiveOptions;
  readonly #serial = new KeyedSerial();

  constructor(opts: FilePatchArchiveOptions) {
    this.#opts = opts;
  }

  archive(s: ArchivedSeries, signal?: AbortSignal): Promise<ArchivedFile> {
    if (!DAY.test(s.day)) throw new PatchferryError('archive_bad_day', `${s.day} is not a day (YYYY-MM-DD)`);
    return this.#serial.run(s.day, () => this.#archive(s, signal));
  }

  async #archive(s: ArchivedSeries, signal?: AbortSignal): Promise<ArchivedFile> {
    const dayDir = join(this.#opts.root, ARCHIVE_DIR, s.day);
    const m = await readManifest(dayDir);
    const known = m.entries.find((e) => e.seriesId === s.seriesId);
    const file = known?.file ?? `${s.project}/${s.branch}/${uniqueSlug(m, branchSlug(s.title))}.mbox`;
    const done = { path: `${ARCHIVE_DIR}/${s.day}/${file}`, url: this.#url(s.day, file) };
    if (known && (await exists(join(dayDir, file)))) {
      // Archived here already: a retry after the remote upload failed completes it.
      await this.#opts.mirror?.mirrorDirectory(ARCHIVE_DIR, signal);
      return done;
    }
    signal?.throwIfAborted();
    const mbox = writeMboxrd(s.mails, s.appliedAt);
    await writeAtomically(join(dayDir, file), mbox);
    const entry = {
      seriesId: s.seriesId,
      file,
      project: s.project,
      branch: s.branch,
      subject: s.subject,
      sender: s.sender,
      version: s.version,
      patches: s.patches,
      bytes: mbox.length,
      archivedAt: s.appliedAt.toISOString(),
    };
    const next: Manifest = {
      version: 1,
      entries: [...m.entries.filter((e) => e.seriesId !== s.seriesId), entry],
    };
    await writeAtomically(join(dayDir, MANIFEST), `${JSON.stringify(next, null, 1)}\n`);
    const generated = new Date().toISOString();
    await writeAtomically(join(dayDir, 'index.html'), renderArchiveDay(s.day, next.entries, generated));
    await this.#serial.run('\0days', () => this.#writeDays(generated));
    await this.#opts.mirror?.mirrorDirectory(ARCHIVE_DIR, signal);
    this.#opts.log.info({ series: s.seriesId, file: done.path }, 'series archived');
    return done;
  }

  /** The top page, from each day's manifest. */
  async #writeDays(generated: string): Promise<void> {
    const top = join(this.#opts.root, ARCHIVE_DIR);
    const days = (await readdir(top).catch(() => [] as string[])).filter((d) => DAY.test(d));
    const counted = await Promise.all(
      days.map(async (day) => ({ day, series: (await readManifest(join(top, day))).entries.length })),
    );
    await writeAtomically(join(top, 'index.html'), renderArchiveDays(counted, generated));
  }

  #url(day: string, file: string): string {
    return `${treeUrl(this.#opts.baseUrl, `${ARCHIVE_DIR}/${day}/${dirname(file)}`)}${encodeURIComponent(basename(file))}`;
  }
}

/** The day's first free name from `slug`: itself, else `slug-2`, `slug-3`… */
function uniqueSlug(m: Manifest, slug: string): string {
  const taken = new Set(m.entries.map((e) => basename(e.file, '.mbox')));
  if (!taken.has(slug)) return slug;
  let n = 2;
  while (taken.has(`${slug}-${n}`)) n++;
  return `${slug}-${n}`;
}

async function readManifest(dayDir: string): Promise<Manifest> {
  let textOf: string;
  try {
    textOf = await readFile(join(dayDir, MANIFEST), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, entries: [] };
    throw err;
  }
  const parsed = manifest.safeParse(JSON.parse(textOf));
  if (!parsed.success)
    throw new PatchferryError(
      'archive_bad_manifest',
      `${join(dayDir, MANIFEST)} is not an archive manifest this patchferry wrote; move the day's directory away to archive it again`,
      { cause: parsed.error },
    );
  return parsed.data;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Writes beside the file and renames it into place: a reader gets the old content or the new, whole. */
async function writeAtomically(path: string, content: string | Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  await writeFile(tmp, content);
  await rename(tmp, path);
}
