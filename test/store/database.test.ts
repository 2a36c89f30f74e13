import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PatchferryError } from '../../src/shared/errors.ts';
import { openDatabase, schemaVersion } from '../../src/store/database.ts';
import { MIGRATIONS, type Migration } from '../../src/store/migrations.ts';
import { openStore } from '../../src/store/store.ts';
import { tempDir } from '../helpers/tmp.ts';

function newMail(id: string) {
  return { messageId: id, raw: Buffer.from(id), source: 's', position: id, subject: '', sender: '' };
}

const LATEST = MIGRATIONS.at(-1)?.version ?? 0;

function thrown(work: () => unknown): unknown {
  try {
    work();
  } catch (err) {
    return err;
  }
  throw new Error('it did not throw');
}

describe('state database', () => {
  it('creates every table on an empty database, in WAL mode', () => {
    const db = openDatabase(join(tempDir(), 'state', 'pf.db'));
    expect(schemaVersion(db)).toBe(LATEST);
    const tables = db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
      .all()
      .map((r) => r.name);
    for (const t of [
      'mails',
      'series',
      'patches',
      'applications',
      'merge_requests',
      'builds',
      'publications',
      'work',
      'deliveries',
      'source_branches',
      'source_positions',
    ]) {
      expect(tables).toContain(t);
    }
    expect(db.prepare('PRAGMA journal_mode').get()?.journal_mode).toBe('wal');
    db.close();
  });

  it('applies only the newer migrations to an existing database and keeps its data', () => {
    const file = join(tempDir(), 'pf.db');
    const v1 = openDatabase(file, MIGRATIONS.slice(0, 1));
    v1.prepare(
      `INSERT INTO mails (message_id, raw, source, position, received_at) VALUES ('a@b', x'00', 's', '1', 't')`,
    ).run();
    v1.close();
    const next: Migration = {
      version: LATEST + 1,
      name: 'test column',
      sql: 'ALTER TABLE mails ADD COLUMN note TEXT',
    };
    const db = openDatabase(file, [...MIGRATIONS, next]);
    expect(schemaVersion(db)).toBe(LATEST + 1);
    expect(db.prepare('SELECT message_id, note FROM mails').get()).toEqual({ message_id: 'a@b', note: null });
    db.close();
    // Opening again applies nothing twice.
    const again = openDatabase(file, [...MIGRATIONS, next]);
    expect(again.prepare('SELECT count(*) AS n FROM schema_migrations').get()?.n).toBe(LATEST + 1);
    again.close();
  });

  it('refuses a database made by a newer patchferry, saying to upgrade', () => {
    const file = join(tempDir(), 'pf.db');
    openDatabase(file, [...MIGRATIONS, { version: 99, name: 'future', sql: 'SELECT 1' }]).close();
    expect(() => openDatabase(file)).toThrow(/schema version 99 .* upgrade patchferry/);
  });

  it('refuses a file that is not SQLite with database_unreadable, naming it and saying what to do', () => {
    const dir = tempDir();
    const file = join(dir, 'pf.db');
    writeFileSync(file, 'not a database, but long enough for SQLite to read its header\n');
    const err = thrown(() => openStore(file));
    expect(err).toBeInstanceOf(PatchferryError);
    expect(err).toMatchObject({ code: 'database_unreadable', retryable: false });
    expect((err as Error).message).toBe(
      `the state database ${file} is not a database patchferry can read (SQLite says: file is not a database). If state.database names the wrong file, correct it in the configuration; otherwise restore the file from a backup, or move it aside to start again with an empty state`,
    );
    // Its lock is released, and the file left as it was.
    expect(readdirSync(dir).sort()).toEqual(['pf.db', 'pf.db.lock.guard']);
  });

  it('refuses a state database SQLite cannot open (a directory) with database_unreadable', () => {
    const file = join(tempDir(), 'pf.db');
    mkdirSync(file);
    expect(thrown(() => openDatabase(file))).toMatchObject({
      code: 'database_unreadable',
      message: expect.stringContaining(`cannot open the state database ${file} (SQLite says: `),
    });
  });

  it('rolls a failed migration back whole', () => {
    const file = join(tempDir(), 'pf.db');
    const broken: Migration = {
      version: LATEST + 1,
      name: 'broken',
      sql: 'CREATE TABLE t (x); INSERT INTO nowhere VALUES (1);',
    };
    expect(() => openDatabase(file, [...MIGRATIONS, broken])).toThrow(/nowhere/);
    const db = openDatabase(file);
    expect(schemaVersion(db)).toBe(LATEST);
    expect(db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE name = 't'`).get()?.n).toBe(0);
    db.close();
  });
});

describe('mail records', () => {
  it('records a Message-ID once, whatever the number of sightings', () => {
    const store = openStore(':memory:');
    const mail = {
      messageId: 'x@y',
      raw: Buffer.from('raw'),
      source: 's',
      position: '1',
      subject: 'hi',
      sender: 'a@b',
    };
    expect(store.mails.record(mail)).toBe(true);
    expect(store.mails.record({ ...mail, raw: Buffer.from('other') })).toBe(false);
    expect(store.mails.all()).toHaveLength(1);
    expect(store.mails.get('x@y')?.raw.toString()).toBe('raw');
    store.close();
  });

  it('keeps final mails out of the open set', () => {
    const store = openStore(':memory:');
    for (const id of ['a@x', 'b@x', 'c@x']) store.mails.record(newMail(id));
    store.mails.setState('a@x', { state: 'final', outcome: 'applied' });
    store.mails.setState('b@x', { state: 'pending', outcome: 'waiting' });
    expect(store.mails.open().map((m) => m.messageId)).toEqual(['b@x', 'c@x']);
    store.close();
  });
});

describe('atomic units', () => {
  it('records everything in a unit or nothing, even when its parts are atomic on their own', () => {
    const store = openStore(':memory:');
    expect(() =>
      store.atomically(() => {
        store.mails.record(newMail('a@x')); // a transaction of its own, joined here
        store.mails.setState('a@x', { state: 'final', outcome: 'applied' });
        throw new Error('killed half-way');
      }),
    ).toThrow('killed half-way');
    expect(store.mails.all()).toEqual([]);
    store.atomically(() => store.mails.record(newMail('b@x')));
    expect(store.mails.all().map((m) => m.messageId)).toEqual(['b@x']);
    store.close();
  });
});

describe('build records', () => {
  it('never rebuilds a commit that already built, but retries a failed one', () => {
    const store = openStore(':memory:');
    const key = { project: 'p', branch: 'master', commit: 'abc', platform: 'el9', arch: 'x86_64' };
    const first = store.builds.start(key);
    store.builds.finish(first.id, { state: 'failed', logPath: null, rpms: [], error: 'boom' });
    const retry = store.builds.start(key);
    expect(retry.id).toBe(first.id);
    expect(retry.state).toBe('running');
    store.builds.finish(retry.id, { state: 'succeeded', logPath: '/l', rpms: ['/a.rpm'], error: null });
    expect(store.builds.start(key).state).toBe('succeeded');
    expect(store.builds.unpublished().map((b) => b.id)).toEqual([first.id]);
    store.builds.recordPublication(first.id, {
      path: '/repo',
      url: 'http://x/',
      repoFileUrl: 'http://x/p.repo',
    });
    expect(store.builds.unpublished()).toEqual([]);
    store.close();
  });

  it("gives the console each branch's last publication with its test stage: the testing repository, and stable once promoted", () => {
    const store = openStore(':memory:');
    const b = store.builds.start({
      project: 'p',
      branch: 'master',
      commit: 'abc',
      platform: 'el9',
      arch: 'x86_64',
    });
    store.builds.finish(b.id, { state: 'succeeded', logPath: null, rpms: ['/a.rpm'], error: null });
    store.builds.recordPublication(b.id, {
      path: '/repo',
      url: 'http://x/p/',
      repoFileUrl: 'http://x/p.repo',
    });
    expect(store.overview.publications()).toMatchObject([{ target: 'el9', tests: null }]);
    store.checks.record({
      buildId: b.id,
      state: 'failed',
      testingUrl: 'http://x/testing/p/',
      packages: [],
      checks: [],
      tail: null,
    });
    expect(store.overview.publications()).toMatchObject([
      { tests: { state: 'failed', testingUrl: 'http://x/testing/p/', stableUrl: null } },
    ]);
    store.close();
  });
});
