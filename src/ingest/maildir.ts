import { constants } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PatchferryError, errorMessage } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import type { MailSource, RawMessage } from '../ports/mail-source.ts';
import { fileSource } from './file-source.ts';

/** A Maildir folder: messages in new/ and cur/, in delivery order (Maildir names start with the
 * delivery time). The position is the name of the last message read. Only regular files are
 * messages: a directory, a FIFO, a socket or a symbolic link there is skipped (logged), never
 * followed or opened for reading (a link could name /etc/shadow; a FIFO would block forever). */
export function maildirSource(path: string, log?: Logger): MailSource {
  const dir = resolve(path);
  return fileSource(`maildir:${dir}`, (after) => readMaildir(dir, after, log));
}

async function* readMaildir(dir: string, after: string | null, log?: Logger): AsyncGenerator<RawMessage> {
  const names: { sub: string; name: string }[] = [];
  for (const sub of ['new', 'cur']) {
    try {
      for (const entry of await readdir(join(dir, sub), { withFileTypes: true })) {
        if (entry.name.startsWith('.')) continue;
        if (entry.isFile()) names.push({ sub, name: entry.name });
        else
          log?.warn(
            { maildir: dir, entry: join(sub, entry.name) },
            'maildir entry that is not a file skipped',
          );
      }
    } catch (err) {
      throw new PatchferryError('maildir_unreadable', `cannot read Maildir ${dir}: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  }
  // The unique part before the flags (":2,S") stays the same when a client moves a mail to cur/.
  const key = (name: string) => name.split(':')[0] ?? name;
  names.sort((a, b) => key(a.name).localeCompare(key(b.name), 'en', { numeric: true }));
  for (const { sub, name } of names) {
    if (after !== null && key(name).localeCompare(after, 'en', { numeric: true }) <= 0) continue;
    const raw = await readRegularFile(join(dir, sub, name));
    if (raw === null) {
      log?.warn({ maildir: dir, entry: join(sub, name) }, 'maildir entry that is not a file skipped');
      continue;
    }
    yield { raw, position: key(name) };
  }
}

/** The bytes of a regular file, or null when the name is (by now) something else: opened without
 * following a link and without blocking on a FIFO, then checked before reading. A file that
 * vanished in between (a client moved it) is null too. */
async function readRegularFile(path: string): Promise<Buffer | null> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ELOOP' || code === 'ENOENT' || code === 'ENXIO') return null;
    throw new PatchferryError('maildir_unreadable', `cannot read ${path}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  try {
    if (!(await handle.stat()).isFile()) return null;
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
