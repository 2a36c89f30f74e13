import { basename } from 'node:path';
import { PatchferryError } from '../shared/errors.ts';
import { runTool } from '../shared/run.ts';

/** What the publisher reads from an RPM's header. */
export interface RpmHeader {
  readonly file: string;
  readonly name: string;
  readonly epoch: number;
  readonly version: string;
  readonly release: string;
  /** `noarch`, `x86_64`…; for a source package the arch it was made on, which says nothing. */
  readonly arch: string;
  /** A source package (.src.rpm): it has no SOURCERPM of its own. */
  readonly source: boolean;
  readonly summary: string;
}

const FIELDS = ['NAME', 'EPOCHNUM', 'VERSION', 'RELEASE', 'ARCH', 'SOURCERPM', 'SUMMARY'];
// A unit separator between fields and a record separator after each package: neither occurs in headers.
const QUERY_FORMAT = `${FIELDS.map((f) => `%{${f}}`).join('\x1f')}\x1e`;

/**
 * Reads name, EVR, arch and kind from each RPM's header with one `rpm -qp` (signatures and digests
 * not checked: the files are ours, fresh from the build). The arch comes from the header, never from
 * the file name. Throws `rpm_failed` when a file is not a readable RPM.
 */
export async function readRpmHeaders(files: readonly string[], signal?: AbortSignal): Promise<RpmHeader[]> {
  if (files.length === 0) return [];
  for (const f of files)
    if (!f.endsWith('.rpm'))
      throw new PatchferryError('publish_not_rpm', `${f} is not an RPM (its name does not end in .rpm)`);
  const { stdout } = await runTool(
    'rpm',
    ['-qp', '--nosignature', '--nodigest', '--qf', QUERY_FORMAT, '--', ...files],
    { signal, timeoutMs: 60_000, label: 'rpm -qp' },
  );
  const records = stdout.split('\x1e').slice(0, -1);
  if (records.length !== files.length)
    throw new PatchferryError(
      'publish_rpm_query',
      `rpm -qp read ${records.length} headers from ${files.length} files; check that each is a whole RPM`,
    );
  return records.map((record, i) => {
    const [name, epoch, version, release, arch, sourceRpm, summary] = record.split('\x1f');
    const file = files[i] as string;
    if (!name || !version || !release || !arch)
      throw new PatchferryError('publish_rpm_query', `cannot read the header of ${basename(file)}`);
    return {
      file,
      name,
      epoch: Number(epoch) || 0,
      version,
      release,
      arch,
      source: sourceRpm === '(none)',
      summary: summary ?? '',
    };
  });
}
