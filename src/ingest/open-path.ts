import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PatchferryError } from '../shared/errors.ts';
import { maildirSource } from './maildir.ts';
import { mboxSource } from './mbox.ts';
import type { MailSource } from './source.ts';

/** The source for a path given on the command line: a Maildir folder, or a file holding an mbox or
 * a single message (either may be gzipped). */
export function sourceForPath(path: string): MailSource {
  if (!existsSync(path)) throw new PatchferryError('path_missing', `${path}: no such file or directory`);
  if (statSync(path).isDirectory()) {
    if (existsSync(join(path, 'cur')) || existsSync(join(path, 'new'))) return maildirSource(path);
    throw new PatchferryError(
      'path_not_mailbox',
      `${path} is a directory but not a Maildir (no cur/ or new/ inside)`,
    );
  }
  return mboxSource(path);
}
