import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { ingest } from '../../../src/app/intake/ingest.ts';
import { intake } from '../../../src/app/intake/intake.ts';
import { mboxSource } from '../../../src/ingest/mbox.ts';
import type { MailSource, RawMessage } from '../../../src/ports/mail-source.ts';
import { openStore } from '../../../src/store/store.ts';
import { corporaAvailable, corporaDir } from '../../helpers/corpora.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { fakeDeps } from '../../fakes/deps.ts';
import { MemorySource, patchMail } from '../../fakes/source.ts';

const available = corporaAvailable();

/** Everything an import decided, read from its database, without times: each mail's state,
 * outcome and reason, each series' row and parts, each unit of work queued (plans, notices). */
function decisions(file: string) {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const rows = (sql: string) =>
      db
        .prepare(sql)
        .all()
        .map((r) => JSON.stringify(r));
    return {
      mails: rows(
        'SELECT message_id, state, outcome, reason, kind, settled, position, history FROM mails ORDER BY rowid',
      ),
      series: rows(
        'SELECT id, project, branch, version, total, title, sender, state, supersedes, change_id, fingerprint FROM series ORDER BY id',
      ),
      patches: rows('SELECT * FROM patches ORDER BY 1, 2'),
      work: rows('SELECT kind, key, payload, state FROM work ORDER BY key'),
      positions: rows('SELECT source, position FROM source_positions'),
    };
  } finally {
    db.close();
  }
}

function digest(d: ReturnType<typeof decisions>): string {
  return createHash('sha256').update(JSON.stringify(d)).digest('hex');
}

/** The list's mail claimed by the project hello (routing by List-Id), its senders trusted. */
function listWorld(dir: string, source: MailSource) {
  const fake = fakeDeps({
    config: {
      projects: {
        hello: {
          git: '/nonexistent/hello.git',
          branches: ['master'],
          platforms: ['el9'],
          lists: ['linux-kbuild.vger.kernel.org', 'list.example.org'],
        },
      },
    },
  });
  fake.deps.store.close();
  const file = join(dir, 'state.db');
  return { ...fake, deps: { ...fake.deps, store: openStore(file), sources: [source] }, file };
}

/** A source that fails after handing out `failAfter` mails, as a broken file or connection would. */
class FailingSource implements MailSource {
  readonly name = 'memory:list';
  readonly #inner: MemorySource;
  readonly #failAfter: number;
  constructor(inner: MemorySource, failAfter: number) {
    this.#inner = inner;
    this.#failAfter = failAfter;
  }
  async *read(after: string | null): AsyncIterable<RawMessage> {
    let n = 0;
    for await (const m of this.#inner.read(after)) {
      if (n++ === this.#failAfter) throw new Error('the archive ends early');
      yield m;
    }
  }
  settle = () => Promise.resolve();
  watch = () => null;
  connected = () => null;
  close = () => Promise.resolve();
}

function archive(): MemorySource {
  const source = new MemorySource();
  for (const s of ['a', 'b', 'c'])
    for (let i = 1; i <= 3; i++)
      source.add(
        patchMail({
          id: `${s}${i}@x`,
          subject: `[master PATCH hello ${i}/3] ${s} part ${i}`,
          ...(i > 1 ? { inReplyTo: `${s}1@x` } : {}),
        }),
      );
  return source;
}

describe('importing a long archive', () => {
  it('commits as it reads, in batches: a failure keeps the batches before it, and the import resumes to the same end', async () => {
    const whole = listWorld(tempDir(), archive());
    await ingest(whole.deps, { history: true, batch: 1000 });
    await intake(whole.deps, { history: true });

    const broken = listWorld(tempDir(), new FailingSource(archive(), 7));
    const failure = ingest(broken.deps, { history: true, batch: 3 });
    // The error says what became of the mails read before it, and what to do.
    await expect(failure).rejects.toThrow(
      'the archive ends early, after 7 mail(s) of this run: those are recorded, and the next "patchferry sync" sorts them',
    );
    await expect(failure).rejects.toThrow('replace it by a whole copy and import it again');
    // Two batches of three were committed with their position, then the seventh mail, read whole
    // before the failure; the eighth was not read.
    expect(broken.deps.store.positions.get('memory:list')).toBe('7');
    expect(broken.deps.store.mails.get('c1@x')).toBeDefined();
    expect(broken.deps.store.mails.get('c2@x')).toBeUndefined();
    const resumed = { ...broken.deps, sources: [archive()] };
    await intake(resumed, { history: true });

    whole.deps.store.close();
    broken.deps.store.close();
    const end = decisions(whole.file);
    expect(end.work.filter((w) => w.includes('"series"'))).toHaveLength(3);
    expect(decisions(broken.file)).toEqual(end);
  });

  it.skipIf(!available)(
    'decides a month of a real list (kbuild, March 2025) exactly as when it held every mail whole',
    { timeout: 60_000 },
    async () => {
      const archivePath = join(corporaDir(), 'kbuild', 'linux-kbuild-2025-03.mbox');
      const world = listWorld(tempDir(), mboxSource(archivePath));
      const summary = await intake(world.deps, { history: true });
      world.deps.store.close();
      // The source's name holds the archive's absolute path, which differs from machine to machine
      // (CI clones elsewhere, PATCHFERRY_CORPORA moves it): the digest must not depend on it.
      const name = mboxSource(archivePath).name;
      const d = decisions(world.file);
      d.positions = d.positions.map((p) => p.replace(JSON.stringify(name).slice(1, -1), 'mbox:ARCHIVE'));
      expect(d.positions).toHaveLength(1);
      expect(d.positions[0]).toContain('mbox:ARCHIVE');
      expect({
        mails: d.mails.length,
        queued: summary.queued.length,
        incomplete: summary.incomplete.length,
        rejected: summary.rejected.length,
        superseded: summary.superseded.length,
        ignored: summary.ignored,
        plans: d.work.filter((w) => w.includes('"series"')).length,
      }).toEqual(EXPECTED_COUNTS);
      // Both computed by intake when it still read every open mail whole at once (main at 14ef414; the
      // source's path made neutral since), over the same archive and configuration: the same decisions.
      expect(digest(d)).toBe(EXPECTED_DIGEST);
    },
  );
});

const EXPECTED_COUNTS = {
  mails: 443,
  queued: 38,
  incomplete: 5,
  rejected: 0,
  superseded: 11,
  ignored: 335,
  plans: 38,
};
const EXPECTED_DIGEST = '52754bb182efb66b5ce6c60eb11f8ac5a7bdb7c4bbcf56da966842964bbf096f';
