import { openSync, readFileSync, statSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { openStore } from '../../src/store/store.ts';
import { makeRepo } from '../helpers/git.ts';
import { capturedIo } from '../helpers/io.ts';
import { tempDir } from '../helpers/tmp.ts';

function io() {
  // Never interrupted: a sync told to stop at once would read nothing.
  const { io: value, out, err } = capturedIo({ interrupted: 'never' });
  return { value, out, err };
}

/** A configuration whose paths are all fine; `database` and `mbox` as the test wants them. */
function world(o: { database?: string; mbox?: string } = {}) {
  const dir = tempDir();
  writeFileSync(join(dir, 'list.mbox'), '');
  const file = join(dir, 'patchferry.yml');
  writeFileSync(
    file,
    `state: { database: ${o.database ?? 'state/patchferry.db'} }
workDir: work
sources: [{ type: mbox, path: ${o.mbox ?? 'list.mbox'} }]
projects: { hello: { git: "https://git.example.org/hello.git", branches: [master], platforms: [el9] } }
platforms: { el9: { dist: .el9, arch: x86_64 } }
publisher: { root: repos, baseUrl: "http://127.0.0.1:1/" }
reporter: { from: pf@example.org, listAddress: list@example.org }
`,
  );
  return { dir, file };
}

describe('paths checked by config check and at every start', () => {
  it('config check exits 2 naming the key of a source that does not exist', async () => {
    const { dir, file } = world({ mbox: 'gone.mbox' });
    const t = io();
    expect(await main(['config', 'check', file], t.value)).toBe(2);
    expect(t.err.join('\n')).toContain(`sources[0].path: ${join(dir, 'gone.mbox')} does not exist`);
  });

  it('config check exits 2 naming a configured branch the local repository lacks', async () => {
    const { dir, file } = world();
    const repo = makeRepo(join(dir, 'hello'), { 'a.txt': 'a\n' });
    writeFileSync(
      file,
      readFileSync(file, 'utf8')
        .replace('"https://git.example.org/hello.git"', JSON.stringify(repo))
        .replace('branches: [master]', 'branches: [master, kbuild]'),
    );
    const t = io();
    expect(await main(['config', 'check', file], t.value)).toBe(2);
    expect(t.err.join('\n')).toContain(
      `projects.hello.branches: the repository ${repo} has no branch "kbuild": correct the list, or create the branch in the repository`,
    );
    expect(t.err.join('\n')).not.toContain('"master"');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('branches: [master, kbuild]', 'branches: [master]'),
    );
    expect(await main(['config', 'check', file], io().value)).toBe(0);
  });

  it('sync exits 2 naming state.database when the database would be under a file, or under /proc', async () => {
    for (const database of ['list.mbox/patchferry.db', '/proc/self/patchferry.db']) {
      const { file } = world({ database });
      const t = io();
      expect(await main(['sync', '--config', file], t.value), database).toBe(2);
      expect(t.err.join('\n')).toMatch(/state\.database: .*(is a file, not a folder|is under \/proc)/);
      expect(t.err.join('\n')).not.toContain('    at ');
    }
  });
});

describe('a state database damaged after it was opened', () => {
  it('ends in exit 2 with a sentence saying what to do, not a stack trace', async () => {
    const { dir, file } = world();
    const database = join(dir, 'state', 'patchferry.db');
    // The schema first, then the mails: their pages come last in the file, after every page an
    // opening reads (the schema, the migrations, the work table).
    openStore(database).close();
    const store = openStore(database);
    for (let i = 0; i < 200; i++)
      store.mails.record({
        messageId: `m${i}@example.org`,
        raw: Buffer.alloc(2000, 'x'),
        source: 'mbox:x',
        position: String(i),
        subject: 's',
        sender: 'a@example.org',
      });
    store.close();
    const size = statSync(database).size;
    const fd = openSync(database, 'r+');
    // Garbage over the second half of the file: the mails' b-tree pages.
    writeSync(fd, Buffer.alloc(Math.floor(size / 2), 0xa5), 0, Math.floor(size / 2), Math.ceil(size / 2));
    closeSync(fd);
    expect(readFileSync(database).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');

    const t = io();
    expect(await main(['sync', '--config', file], t.value)).toBe(2);
    const said = t.err.join('\n');
    expect(said).toContain(`the state database ${database} is not a database patchferry can read`);
    expect(said).toContain('restore the file from a backup');
    expect(said).not.toContain('    at ');
  });
});
