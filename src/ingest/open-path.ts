import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PatchferryError } from '../shared/errors.ts';
import { maildirSource } from './maildir.ts';
import { mboxSource } from './mbox.ts';
import { publicInboxSource } from './public-inbox.ts';
import type { MailSource } from '../ports/mail-source.ts';
import type { Warnings } from '../shared/log.ts';

/** The source for a path given on the command line: a Maildir folder, a public-inbox archive, or a
 * file holding an mbox or a single message (either may be gzipped); `log` gets the mbox reader's
 * warnings (trailing garbage after gzip data). */
export function sourceForPath(path: string, log?: Warnings): MailSource {
  if (!existsSync(path)) throw new PatchferryError('path_missing', `${path}: no such file or directory`);
  const info = statSync(path);
  if (info.isDirectory()) {
    if (existsSync(join(path, 'cur')) || existsSync(join(path, 'new'))) return maildirSource(path);
    if (['git', 'HEAD', '.git'].some((p) => existsSync(join(path, p)))) return publicInboxSource(path);
    throw new PatchferryError(
      'path_not_mailbox',
      `${path} is a directory but neither a Maildir (no cur/ or new/) nor a public-inbox archive (no git repository)`,
    );
  }
  // A FIFO would block the read with no end (and Ctrl-C with it); a device or socket is no mailbox.
  if (!info.isFile())
    throw new PatchferryError(
      'path_not_mailbox',
      `${path} is not a regular file (a FIFO, device or socket): give an mbox or message file, a Maildir folder or a public-inbox archive`,
    );
  return mboxSource(path, log);
}
