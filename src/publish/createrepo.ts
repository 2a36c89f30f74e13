import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { z } from 'zod';
import { runTool } from '../shared/run.ts';
import { PACKAGES_DIR } from './layout.ts';
import {
  MD_TYPES,
  byLetter,
  letterOf,
  locationOf,
  mdFooter,
  mdHeader,
  parseEntries,
  type MdEntry,
  type MdType,
} from './md-entries.ts';
import { linkOrCopy, writeReplacing } from './state-dir.ts';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Older repomd.xml versions whose files stay in repodata/: a client that read one of them just
 * before a switch can still fetch every file it names. */
export const RETAINED_METADATA = 3;

/** Where a state keeps the compressed metadata of each letter of each repository, beside them and
 * out of the web server's reach (a leading dot). */
export const PARTS_DIR = '.patchferry-md';

const PARTS_INDEX = 'index.json';

/** Per letter, the packages its parts hold and their uncompressed sizes by metadata type. */
const partsIndex = z.object({
  version: z.literal(1),
  letters: z.record(
    z.string(),
    z.object({
      packages: z.number(),
      open: z.object({ primary: z.number(), filelists: z.number(), other: z.number() }),
    }),
  ),
});
type PartsIndex = z.output<typeof partsIndex>;

/**
 * Brings a repository directory's metadata up to date after packages were added to it and removed
 * from it, at a cost that follows what changed: createrepo_c reads only the added RPMs (in a scratch
 * directory of links), and the metadata is kept per first letter of the package names as gzip
 * members, so only the letters of the added and removed names are rewritten (a letter only added
 * to keeps its compressed bytes and gets one more member; one losing packages is recompressed). Each published
 * primary/filelists/other.xml.gz is the letters' members concatenated between a header and a
 * closing member: a multi-member gzip file, which zlib (and so libsolv, dnf and createrepo_c) reads
 * as one stream (RFC 1952 §2.2). repomd.xml gives each file's checksum, size and uncompressed size;
 * the uncompressed checksum (open-checksum, optional in rpm-md) would take reading everything, and
 * is left out.
 *
 * `dir` is the repository in the next state, `liveDir` the same repository in the live state (null
 * for a first publication); `added` and `removed` are paths relative to the repository. A live
 * state without parts (written by createrepo_c --update before) has its metadata split once.
 *
 * Old metadata is kept by our own count: the files of the last RETAINED_METADATA repomd.xml versions
 * (`history`, newest first, from the manifest) are linked back from the live state. Returns the new
 * history, the new repomd.xml's files first. Throws ToolError `createrepo_c_*`.
 */
export async function updateRepodata(
  dir: string,
  opts: {
    liveDir: string | null;
    /** The live state is of the older layout (packages flat in the repository): its metadata is read
     * whole and its locations moved under Packages/<letter>/. */
    takeOver: boolean;
    /** Packages by path relative to the repository and package name; `removed` are those leaving
     * the metadata, a live package that an added one of the same path replaces included. */
    added: readonly { readonly path: string; readonly name: string }[];
    removed: readonly { readonly path: string; readonly name: string }[];
    history: readonly (readonly string[])[];
    signal?: AbortSignal;
    timeoutMs: number;
  },
): Promise<string[][]> {
  const parts = partsDirOf(dir);
  const liveParts = opts.liveDir === null ? null : partsDirOf(opts.liveDir);
  const liveIndex = liveParts === null || opts.takeOver ? null : await readPartsIndex(liveParts);
  const fresh = await newEntries(
    dir,
    opts.added.map((p) => p.path),
    opts,
  );
  // A live repository without parts: its whole metadata, once, as if every letter changed.
  const whole =
    liveIndex === null && opts.liveDir !== null
      ? await readWhole(join(opts.liveDir, 'repodata'), opts.takeOver)
      : null;
  const gone = new Set([...opts.added, ...opts.removed].map((p) => p.path));
  const touched = new Set([...opts.added, ...opts.removed].map((p) => letterOf(p.name)));
  for (const type of MD_TYPES)
    for (const l of [...byLetter(fresh[type]).keys(), ...(whole ? byLetter(whole[type]).keys() : [])])
      touched.add(l);

  const wholeByLetter = whole
    ? { primary: byLetter(whole.primary), filelists: byLetter(whole.filelists), other: byLetter(whole.other) }
    : null;
  await mkdir(parts, { recursive: true });
  const index: PartsIndex = { version: 1, letters: { ...liveIndex?.letters } };
  const leaving = new Set(opts.removed.map((p) => letterOf(p.name)));
  for (const letter of touched) {
    const livePart = liveIndex?.letters[letter];
    if (livePart && liveParts && !leaving.has(letter)) {
      // Packages only added: the live part stays as it is, their entries follow as one more member.
      const open = { ...livePart.open };
      let packages = livePart.packages;
      for (const type of MD_TYPES) {
        const text = fresh[type]
          .filter((e) => letterOf(e.name) === letter)
          .map((e) => e.xml)
          .join('');
        open[type] += Buffer.byteLength(text);
        if (type === 'primary') packages += fresh.primary.filter((e) => letterOf(e.name) === letter).length;
        const body = Buffer.concat([
          await readFile(join(liveParts, partName(letter, type))),
          ...(text === '' ? [] : [await gzipAsync(text)]),
        ]);
        await rm(join(parts, partName(letter, type)), { force: true });
        await writeFile(join(parts, partName(letter, type)), body);
      }
      index.letters[letter] = { packages, open };
      continue;
    }
    const old = {} as Record<MdType, MdEntry[]>;
    for (const type of MD_TYPES)
      old[type] = wholeByLetter
        ? (wholeByLetter[type].get(letter) ?? [])
        : liveIndex?.letters[letter] && liveParts
          ? parseEntries(type, await gunzipText(join(liveParts, partName(letter, type))))
          : [];
    const dropped = new Set(old.primary.filter((e) => gone.has(locationOf(e) ?? '')).map((e) => e.pkgid));
    const open = { primary: 0, filelists: 0, other: 0 };
    let packages = 0;
    for (const type of MD_TYPES) {
      const entries = [
        ...old[type].filter((e) => !dropped.has(e.pkgid)),
        ...fresh[type].filter((e) => letterOf(e.name) === letter),
      ];
      const text = entries.map((e) => e.xml).join('');
      open[type] = Buffer.byteLength(text);
      if (type === 'primary') packages = entries.length;
      await rm(join(parts, partName(letter, type)), { force: true });
      if (entries.length > 0) await writeFile(join(parts, partName(letter, type)), await gzipAsync(text));
    }
    if (packages > 0) index.letters[letter] = { packages, open };
    else delete index.letters[letter];
  }
  const letters = Object.keys(index.letters).sort();
  // Letters not touched: the live state's parts, linked.
  if (liveParts !== null)
    for (const letter of letters.filter((l) => !touched.has(l)))
      for (const type of MD_TYPES)
        await linkOrCopy(join(liveParts, partName(letter, type)), join(parts, partName(letter, type))).catch(
          (err: NodeJS.ErrnoException) => {
            if (err.code !== 'EEXIST') throw err;
          },
        );
  await writeReplacing(join(parts, PARTS_INDEX), `${JSON.stringify(index)}\n`);

  const repodata = join(dir, 'repodata');
  await rm(repodata, { recursive: true, force: true });
  await mkdir(repodata, { recursive: true });
  const total = letters.reduce((n, l) => n + (index.letters[l]?.packages ?? 0), 0);
  const records: string[] = [];
  const current: string[] = [];
  const now = Math.floor(Date.now() / 1000);
  for (const type of MD_TYPES) {
    const body = Buffer.concat([
      await gzipAsync(mdHeader(type, total)),
      ...(await Promise.all(letters.map((l) => readFile(join(parts, partName(l, type)))))),
      await gzipAsync(mdFooter(type)),
    ]);
    const sum = createHash('sha256').update(body).digest('hex');
    const file = `${sum}-${type}.xml.gz`;
    await writeFile(join(repodata, file), body);
    current.push(file);
    const openSize =
      Buffer.byteLength(mdHeader(type, total)) +
      letters.reduce((n, l) => n + (index.letters[l]?.open[type] ?? 0), 0) +
      Buffer.byteLength(mdFooter(type));
    records.push(
      [
        `  <data type="${type}">`,
        `    <checksum type="sha256">${sum}</checksum>`,
        `    <location href="repodata/${file}"/>`,
        `    <timestamp>${now}</timestamp>`,
        `    <size>${body.length}</size>`,
        `    <open-size>${openSize}</open-size>`,
        '  </data>',
      ].join('\n'),
    );
  }
  await writeFile(
    join(repodata, 'repomd.xml'),
    [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">',
      `  <revision>${now}</revision>`,
      ...records,
      '</repomd>',
      '',
    ].join('\n'),
  );

  const history = [current, ...opts.history.map((files) => [...files])].slice(0, RETAINED_METADATA + 1);
  if (opts.liveDir !== null) {
    const keep = new Set(history.slice(1).flat());
    for (const f of current) keep.delete(f);
    for (const f of keep)
      await linkOrCopy(join(opts.liveDir, 'repodata', f), join(repodata, f)).catch(
        (err: NodeJS.ErrnoException) => {
          // A file the live state no longer has (removed by hand) cannot be kept.
          if (err.code !== 'ENOENT' && err.code !== 'EEXIST') throw err;
        },
      );
  }
  return history;
}

/** Gives the next state a repository no package of this publication went to or left: the live
 * state's metadata and parts, linked. */
export async function carryRepodata(live: string, next: string, repoDir: string): Promise<void> {
  for (const [from, to] of [
    [join(live, repoDir, 'repodata'), join(next, repoDir, 'repodata')],
    [partsDirOf(join(live, repoDir)), partsDirOf(join(next, repoDir))],
  ] as const) {
    await mkdir(to, { recursive: true });
    for (const f of await readdir(from).catch(() => [] as string[]))
      await linkOrCopy(join(from, f), join(to, f));
  }
}

/** The parts of a repository directory `<state>/<repo>`: `<state>/.patchferry-md/<repo>`. */
function partsDirOf(repoDir: string): string {
  return join(dirname(repoDir), PARTS_DIR, basename(repoDir));
}

function partName(letter: string, type: MdType): string {
  return `${letter}.${type}.xml.gz`;
}

async function readPartsIndex(parts: string): Promise<PartsIndex | null> {
  try {
    return partsIndex.parse(JSON.parse(await readFile(join(parts, PARTS_INDEX), 'utf8')));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function gunzipText(path: string): Promise<string> {
  return (await gunzipAsync(await readFile(path))).toString('utf8');
}

/** The metadata entries of the added RPMs: createrepo_c on a scratch directory of links to them,
 * at the same paths relative to it as in the repository (so the locations are the same). */
async function newEntries(
  dir: string,
  added: readonly string[],
  opts: { signal?: AbortSignal; timeoutMs: number },
): Promise<Record<MdType, MdEntry[]>> {
  const none = { primary: [], filelists: [], other: [] };
  if (added.length === 0) return none;
  const scratch = join(dirname(dir), `.patchferry-new-${basename(dir)}`);
  await rm(scratch, { recursive: true, force: true });
  try {
    for (const p of added) {
      await mkdir(dirname(join(scratch, p)), { recursive: true });
      await linkOrCopy(join(dir, p), join(scratch, p));
    }
    await runTool(
      'createrepo_c',
      ['--quiet', '--no-database', '--simple-md-filenames', '--general-compress-type', 'gz', scratch],
      { signal: opts.signal, timeoutMs: opts.timeoutMs },
    );
    const out = {} as Record<MdType, MdEntry[]>;
    for (const type of MD_TYPES)
      out[type] = parseEntries(type, await gunzipText(join(scratch, 'repodata', `${type}.xml.gz`)));
    return out;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** A repository's whole metadata as createrepo_c wrote it, by type; with `relocate`, the packages
 * it gives flat in the repository are moved to Packages/<letter>/ (see repo-state.ts packagePath). */
async function readWhole(repodata: string, relocate: boolean): Promise<Record<MdType, MdEntry[]>> {
  const hrefs = await repomdHrefs(repodata);
  const out = { primary: [], filelists: [], other: [] } as Record<MdType, MdEntry[]>;
  for (const type of MD_TYPES) {
    const href = hrefs.get(type);
    if (href !== undefined) out[type] = parseEntries(type, await gunzipText(join(repodata, href)));
  }
  if (relocate)
    out.primary = out.primary.map((e) => ({
      ...e,
      xml: e.xml.replace(
        /(<location (?:xml:base="[^"]*" )?href=")([^"/]+")/,
        `$1${PACKAGES_DIR}/${letterOf(e.name)}/$2`,
      ),
    }));
  return out;
}

/** The data files a repodata/repomd.xml names by type, relative to repodata/. */
async function repomdHrefs(repodata: string): Promise<Map<string, string>> {
  let xml: string;
  try {
    xml = await readFile(join(repodata, 'repomd.xml'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  return new Map(
    [...xml.matchAll(/<data type="([^"]+)">[\s\S]*?<location href="repodata\/([^"/]+)"/g)].map(
      (m) => [m[1] as string, m[2] as string] as const,
    ),
  );
}

/** The files a repodata/repomd.xml names, relative to repodata/; none when there is no repomd.xml. */
export async function repomdFiles(repodata: string): Promise<string[]> {
  return [...(await repomdHrefs(repodata)).values()];
}
