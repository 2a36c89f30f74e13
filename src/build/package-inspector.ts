import { PatchferryError } from '../shared/errors.ts';
import { runTool } from '../shared/run.ts';
import type { PackageInspector } from '../ports/package-inspector.ts';
import type { PackageIdentity } from '../rpm/package-policy.ts';

// A unit separator between the fields and a record separator after each package: neither occurs in a name.
const QUERY_FORMAT = '%{NAME}\x1f%{EPOCHNUM}\x1e';

/** `rpm -qp --qf` over the files at once; digests and signatures are not checked (the files are
 * fresh from our own build), and reading a header runs none of the package's scriptlets. */
export class RpmPackageInspector implements PackageInspector {
  async identities(files: readonly string[], signal?: AbortSignal): Promise<PackageIdentity[]> {
    if (files.length === 0) return [];
    const { stdout } = await runTool(
      'rpm',
      ['-qp', '--nosignature', '--nodigest', '--qf', QUERY_FORMAT, '--', ...files],
      { timeoutMs: 60_000, label: 'rpm -qp', ...(signal ? { signal } : {}) },
    );
    const records = stdout.split('\x1e').slice(0, -1);
    if (records.length !== files.length)
      throw new PatchferryError(
        'rpm_header_unreadable',
        `rpm -qp read ${records.length} headers from ${files.length} files; check that each is a whole RPM`,
      );
    return records.map((record) => {
      const [name = '', epoch = '0'] = record.split('\x1f');
      return { name, epoch: Number(epoch) || 0 };
    });
  }
}
