import { readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PatchferryError, errorMessage } from '../shared/errors.ts';
import type { MailSource, RawMessage } from '../ports/mail-source.ts';
import { fileSource } from './file-source.ts';

/** A Maildir folder: messages in new/ and cur/, in delivery order (Maildir names start with the
 * delivery time). The position is the name of the last message read. */
export function maildirSource(path: string): MailSource {
  const dir = resolve(path);
  return fileSource(`maildir:${dir}`, (after) => readMaildir(dir, after));
}

async function* readMaildir(dir: string, after: string | null): AsyncGenerator<RawMessage> {
  const names: { sub: string; name: string }[] = [];
  for (const sub of ['new', 'cur']) {
    try {
      for (const name of await readdir(join(dir, sub))) if (!name.startsWith('.')) names.push({ sub, name });
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
    yield { raw: await readFile(join(dir, sub, name)), position: key(name) };
  }
}
