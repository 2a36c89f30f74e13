/** What the SRPM's Source0 must look like, read from a spec as `rpmspec -P` prints it (macros
 * expanded): the tarball's file name, and the directory its contents sit in (`%setup -n DIR`,
 * `%autosetup -n DIR`, otherwise rpm's default `<name>-<version>`). Null when there is no Source0. */
export function sourceLayout(
  parsedSpec: string,
  nameVersion: string,
): { readonly tarball: string; readonly prefix: string; readonly compress: readonly string[] } | null {
  const source = /^Source0?[ \t]*:[ \t]*(\S+)[ \t]*$/im.exec(parsedSpec)?.[1];
  if (!source) return null;
  const tarball = source.replace(/^.*\//, '').replace(/#.*$/, '');
  const setup = /^%(?:auto)?setup\b(.*)$/m.exec(parsedSpec)?.[1] ?? '';
  const dir = /(?:^|\s)-n\s+(\S+)/.exec(setup)?.[1];
  return { tarball, prefix: dir ?? nameVersion, compress: compressionOf(tarball) };
}

/** tar's option for the compression a tarball's name says. */
function compressionOf(tarball: string): string[] {
  if (/\.(tgz|tar\.gz)$/.test(tarball)) return ['-z'];
  if (/\.tar\.xz$/.test(tarball)) return ['-J'];
  if (/\.tar\.bz2$/.test(tarball)) return ['-j'];
  return [];
}

/** A `spec` setting (a path, or a glob such as `*.spec` for one file at the top) as a test of a
 * top-level file name; null when it is a plain path. */
export function specPattern(spec: string): RegExp | null {
  if (!spec.includes('*')) return null;
  return new RegExp(`^${spec.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
}
