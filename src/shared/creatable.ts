import { realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** File systems whose entries are made by the kernel: a database or a work folder there cannot be
 * written (or, as with /proc/self/fd, hangs or lands somewhere unexpected). */
const KERNEL_FILE_SYSTEMS = ['/proc', '/sys', '/dev'];

function stat(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** Why `path` cannot be made (a file, or a folder, with the folders above it), or null. */
export function creatable(path: string, kind: 'file' | 'folder'): string | null {
  const wanted = resolve(path);
  let existing = wanted;
  while (stat(existing) === null && dirname(existing) !== existing) existing = dirname(existing);
  let real = existing;
  try {
    real = realpathSync(existing);
  } catch {
    // a dangling link: judged by what the path names
  }
  const kernel = KERNEL_FILE_SYSTEMS.find((k) => real === k || real.startsWith(`${k}/`));
  if (kernel) return `${wanted} is under ${kernel}, which the kernel fills; choose a path on a real disk`;
  const s = stat(existing);
  if (existing === wanted && s) {
    if (kind === 'file' && s.isDirectory()) return `${wanted} is a folder, not a file`;
    if (kind === 'folder' && !s.isDirectory()) return `${wanted} is a file, not a folder`;
    return null;
  }
  if (s && !s.isDirectory()) return `${wanted} cannot be made: ${existing} is a file, not a folder`;
  return null;
}
