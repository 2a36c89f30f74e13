/**
 * The package entries of rpm-md metadata (primary, filelists, other) as text, grouped by the first
 * letter of the package name, so that a publication rewrites only the groups of the names it adds or
 * removes and reuses the others' compressed bytes as they are. Pure.
 *
 * Format: createrepo_c's output (https://github.com/rpm-software-management/createrepo_c, the
 * rpm-md format of yum): a header naming the package count, one `<package …>…</package>` element per
 * package, a closing tag. In XML text a literal `</package>` cannot occur inside an element's
 * content (`<` is escaped), so the entries are split on it.
 */

export const MD_TYPES = ['primary', 'filelists', 'other'] as const;
export type MdType = (typeof MD_TYPES)[number];

/** One package's element in one metadata file, with what identifies it. */
export interface MdEntry {
  /** The package's checksum (`pkgid`), the key filelists and other share with primary. */
  readonly pkgid: string;
  readonly name: string;
  /** The element's text, from `<package` to `</package>` and the newline after it. */
  readonly xml: string;
}

/** The open and close of each metadata file, as createrepo_c writes them. */
export function mdHeader(type: MdType, packages: number): string {
  const open = {
    primary:
      '<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm"',
    filelists: '<filelists xmlns="http://linux.duke.edu/metadata/filelists"',
    other: '<otherdata xmlns="http://linux.duke.edu/metadata/other"',
  }[type];
  return `<?xml version="1.0" encoding="UTF-8"?>\n${open} packages="${packages}">\n`;
}

export function mdFooter(type: MdType): string {
  return { primary: '</metadata>\n', filelists: '</filelists>\n', other: '</otherdata>\n' }[type];
}

/** The group a package name's entries go to: its first letter or digit, lower case; `_` for others. */
export function letterOf(name: string): string {
  const c = name.charAt(0).toLowerCase();
  return /^[a-z0-9]$/.test(c) ? c : '_';
}

/**
 * The package entries of a metadata file's text (a whole file or entries alone). Throws Error on
 * an element without its package checksum or name (not rpm-md).
 */
export function parseEntries(type: MdType, text: string): MdEntry[] {
  const entries: MdEntry[] = [];
  for (const m of text.matchAll(/<package[\s>][\s\S]*?<\/package>\n?/g)) {
    const xml = m[0];
    const id =
      type === 'primary'
        ? {
            pkgid: /<checksum type="[^"]*" pkgid="YES">([^<]+)<\/checksum>/.exec(xml)?.[1],
            name: /<name>([^<]*)<\/name>/.exec(xml)?.[1],
          }
        : { pkgid: /^<package pkgid="([^"]+)"/.exec(xml)?.[1], name: / name="([^"]*)"/.exec(xml)?.[1] };
    if (id.pkgid === undefined || id.name === undefined)
      throw new Error(`a ${type} metadata entry without its package checksum or name: ${xml.slice(0, 200)}`);
    entries.push({ pkgid: id.pkgid, name: id.name, xml: xml.endsWith('\n') ? xml : `${xml}\n` });
  }
  return entries;
}

/** The location (path relative to the repository) a primary entry gives its package. */
export function locationOf(entry: MdEntry): string | undefined {
  return /<location (?:xml:base="[^"]*" )?href="([^"]+)"/.exec(entry.xml)?.[1];
}

/** Entries grouped by letterOf their package name, each group in the input's order. */
export function byLetter(entries: readonly MdEntry[]): Map<string, MdEntry[]> {
  const groups = new Map<string, MdEntry[]>();
  for (const e of entries) {
    const letter = letterOf(e.name);
    const group = groups.get(letter);
    if (group) group.push(e);
    else groups.set(letter, [e]);
  }
  return groups;
}
