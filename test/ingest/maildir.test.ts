import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { maildirSource } from '../../src/ingest/maildir.ts';
import type { Logger } from '../../src/shared/log.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { tempDir } from '../helpers/tmp.ts';

const mail = (id: string) =>
  `From: Ada <ada@example.org>\nSubject: [PATCH] ${id}\nMessage-ID: <${id}@x>\n\nbody ${id}\n`;

async function readAll(dir: string, log: Logger = silentLogger()): Promise<string[]> {
  const out: string[] = [];
  for await (const m of maildirSource(dir, log).read(null)) out.push(m.raw.toString());
  return out;
}

describe('Maildir entries that are not mail files', () => {
  it('skips directories, FIFOs and symbolic links, never following or blocking on them, and reads the rest', async () => {
    const root = tempDir();
    const dir = join(root, 'Maildir');
    for (const sub of ['new', 'cur', 'tmp']) mkdirSync(join(dir, sub), { recursive: true });
    writeFileSync(join(root, 'shadow'), 'root:$6$secret:19000:0:99999:7:::\n');
    writeFileSync(join(dir, 'new', '1000.a.host'), mail('first'));
    mkdirSync(join(dir, 'new', '1001.b.host'));
    execFileSync('mkfifo', [join(dir, 'new', '1002.c.host')]);
    symlinkSync(join(root, 'shadow'), join(dir, 'new', '1003.d.host'));
    symlinkSync(join(root, 'nowhere'), join(dir, 'cur', '1004.e.host:2,S'));
    writeFileSync(join(dir, 'cur', '1005.f.host:2,S'), mail('last'));

    const skipped: unknown[] = [];
    const log = { ...silentLogger(), warn: (o: unknown) => skipped.push(o) } as unknown as Logger;
    const read = await readAll(dir, log);
    expect(read).toEqual([mail('first'), mail('last')]);
    expect(read.join('')).not.toContain('secret');
    expect(skipped).toHaveLength(4);
  });
});
