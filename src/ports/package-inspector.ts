import type { PackageIdentity } from '../rpm/package-policy.ts';

/** Reads what RPM files are, from their headers (never from their file names, which a spec can set). */
export interface PackageInspector {
  /** Name and Epoch of each file, in order. Throws a PatchferryError when one is not a readable RPM. */
  identities(files: readonly string[], signal?: AbortSignal): Promise<PackageIdentity[]>;
}
