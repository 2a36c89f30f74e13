/** Schema versions, applied in order at start; a released migration is never edited, only followed. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE mails (
        message_id  TEXT PRIMARY KEY,
        raw         BLOB NOT NULL,
        source      TEXT NOT NULL,
        position    TEXT NOT NULL,
        received_at TEXT NOT NULL,
        subject     TEXT NOT NULL DEFAULT '',
        sender      TEXT NOT NULL DEFAULT '',
        kind        TEXT,
        -- new: recorded, not yet looked at; pending: waits for the rest of its series;
        -- final: acted on, rejected or not a patch; quarantined: cannot be parsed
        state       TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'pending', 'final', 'quarantined')),
        outcome     TEXT,
        reason      TEXT
      );
      CREATE INDEX mails_state ON mails (state);

      CREATE TABLE series (
        id          TEXT PRIMARY KEY,
        project     TEXT NOT NULL,
        branch      TEXT NOT NULL,
        version     INTEGER NOT NULL,
        total       INTEGER NOT NULL,
        title       TEXT NOT NULL,
        sender      TEXT NOT NULL,
        state       TEXT NOT NULL CHECK (state IN ('incomplete', 'complete', 'applied', 'failed', 'superseded')),
        supersedes  TEXT,
        first_seen  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
      );

      CREATE TABLE patches (
        series_id   TEXT NOT NULL REFERENCES series (id),
        part        INTEGER NOT NULL,
        message_id  TEXT NOT NULL REFERENCES mails (message_id),
        PRIMARY KEY (series_id, part)
      );

      CREATE TABLE applications (
        id            INTEGER PRIMARY KEY,
        series_id     TEXT NOT NULL REFERENCES series (id),
        project       TEXT NOT NULL,
        branch        TEXT NOT NULL,
        state         TEXT NOT NULL CHECK (state IN ('applied', 'failed')),
        base_commit   TEXT,
        head_commit   TEXT,
        failed_part   INTEGER,
        -- the first branch tip built after this series landed, which therefore contains it
        build_commit  TEXT,
        detail        TEXT,
        created_at    TEXT NOT NULL
      );

      CREATE TABLE merge_requests (
        series_id     TEXT PRIMARY KEY REFERENCES series (id),
        forge         TEXT NOT NULL,
        project       TEXT NOT NULL,
        source_branch TEXT NOT NULL,
        url           TEXT NOT NULL,
        iid           INTEGER NOT NULL,
        state         TEXT NOT NULL,
        updated_at    TEXT NOT NULL
      );

      CREATE TABLE builds (
        id          INTEGER PRIMARY KEY,
        project     TEXT NOT NULL,
        branch      TEXT NOT NULL,
        commit_id   TEXT NOT NULL,
        platform    TEXT NOT NULL,
        arch        TEXT NOT NULL,
        state       TEXT NOT NULL CHECK (state IN ('running', 'succeeded', 'failed')),
        log_path    TEXT,
        rpms        TEXT NOT NULL DEFAULT '[]',
        error       TEXT,
        created_at  TEXT NOT NULL,
        finished_at TEXT,
        UNIQUE (project, branch, commit_id, platform)
      );

      CREATE TABLE publications (
        id          INTEGER PRIMARY KEY,
        build_id    INTEGER NOT NULL UNIQUE REFERENCES builds (id),
        path        TEXT NOT NULL,
        url         TEXT NOT NULL,
        created_at  TEXT NOT NULL
      );

      CREATE TABLE reports (
        key         TEXT PRIMARY KEY,
        kind        TEXT NOT NULL,
        series_id   TEXT,
        recipients  TEXT NOT NULL, -- JSON list of addresses
        refs        TEXT NOT NULL DEFAULT '[]', -- JSON list of Message-IDs (References)
        subject     TEXT NOT NULL,
        in_reply_to TEXT,
        body        TEXT NOT NULL,
        state       TEXT NOT NULL CHECK (state IN ('pending', 'sent')),
        created_at  TEXT NOT NULL,
        sent_at     TEXT
      );

      CREATE TABLE source_positions (
        source      TEXT PRIMARY KEY,
        position    TEXT NOT NULL,
        updated_at  TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'final marks in mailboxes; pushes in flight; merge-request targets',
    sql: `
      -- 1 once the source (an IMAP folder) has marked the mail $Patchferry; file sources never do.
      ALTER TABLE mails ADD COLUMN settled INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX mails_unsettled ON mails (source) WHERE settled = 0 AND state IN ('final', 'quarantined');

      -- A push about to happen: written before git push, removed when the application is recorded.
      -- A crash in between leaves it, and the next run asks the branch whether head arrived.
      CREATE TABLE pushes (
        series_id   TEXT PRIMARY KEY REFERENCES series (id),
        project     TEXT NOT NULL,
        branch      TEXT NOT NULL,
        base_commit TEXT NOT NULL,
        head_commit TEXT NOT NULL,
        created_at  TEXT NOT NULL
      );

      -- Which mails each mail answers: finds the replies (and their trailers) of a series recorded
      -- by an earlier run, when a partial reroll of it arrives.
      CREATE TABLE mail_thread (
        message_id TEXT NOT NULL REFERENCES mails (message_id),
        answers    TEXT NOT NULL,
        PRIMARY KEY (message_id, answers)
      );
      CREATE INDEX mail_thread_answers ON mail_thread (answers);

      -- b4's topic id links the versions of a series across runs.
      ALTER TABLE series ADD COLUMN change_id TEXT;
      -- What the patches change: an identical resend under new Message-IDs has the same.
      ALTER TABLE series ADD COLUMN fingerprint TEXT;
      CREATE INDEX series_fingerprint ON series (fingerprint) WHERE fingerprint IS NOT NULL;
      CREATE INDEX series_change_id ON series (change_id) WHERE change_id IS NOT NULL;

      -- Merge-request mode: what each series' MR targets and the commits last pushed to it.
      ALTER TABLE merge_requests ADD COLUMN target_branch TEXT NOT NULL DEFAULT '';
      ALTER TABLE merge_requests ADD COLUMN base_commit TEXT;
      ALTER TABLE merge_requests ADD COLUMN head_commit TEXT;
      CREATE INDEX merge_requests_open ON merge_requests (state) WHERE state = 'open';
    `,
  },
  {
    version: 3,
    name: 'units of work and the outbox',
    sql: `
      -- A unit of work: applying a series, a build, a publication, one effect on the outside world.
      -- The key says what it is about: enqueueing the same key again changes nothing.
      CREATE TABLE work (
        id            INTEGER PRIMARY KEY,
        -- series: apply or propose one; build: one commit for one target; publish: one build;
        -- mail, forge: one effect of the outbox
        kind          TEXT NOT NULL CHECK (kind IN ('series', 'build', 'publish', 'mail', 'forge')),
        key           TEXT NOT NULL UNIQUE,
        payload       TEXT NOT NULL, -- JSON, parsed by the kind's schema when claimed
        -- pending: due at not_before; running: leased; failed: retried at not_before; done; dead
        state         TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed', 'dead')),
        attempts      INTEGER NOT NULL DEFAULT 0,
        not_before    INTEGER NOT NULL, -- ms since the epoch
        error_code    TEXT,
        error_message TEXT,
        lease_holder  TEXT,
        lease_expires INTEGER, -- ms since the epoch
        -- what a unit waiting on the outside stored (a Koji task id), given back when it runs again
        handle        TEXT,
        result        TEXT, -- JSON: what the unit did, for summaries
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
      );
      CREATE INDEX work_due ON work (kind, state, not_before);

      -- One row per destination an effect reached (the outbox file, an SMTP server): a retry of the
      -- effect skips them, so no destination gets it twice.
      CREATE TABLE deliveries (
        work_key     TEXT NOT NULL,
        destination  TEXT NOT NULL,
        delivered_at TEXT NOT NULL,
        PRIMARY KEY (work_key, destination)
      );

      -- Reports still queued by an earlier version become mail effects; sent ones are history.
      INSERT INTO work (kind, key, payload, state, not_before, created_at, updated_at)
        SELECT 'mail', key,
          json_object('type', 'mail', 'seriesId', series_id, 'message', json_object(
            'to', json(recipients), 'cc', json('[]'), 'subject', subject, 'inReplyTo', in_reply_to,
            'references', json(refs), 'body', body)),
          'pending', 0, created_at, created_at
        FROM reports WHERE state = 'pending' AND kind NOT IN ('merge-request-note', 'commit-status');
      INSERT INTO work (kind, key, payload, state, not_before, created_at, updated_at)
        SELECT 'forge', key,
          json_object('type', 'merge-request-note', 'seriesId', series_id, 'marker', key, 'body', body),
          'pending', 0, created_at, created_at
        FROM reports WHERE state = 'pending' AND kind = 'merge-request-note';
      INSERT INTO work (kind, key, payload, state, not_before, created_at, updated_at)
        SELECT 'forge', key,
          json_object('type', 'commit-status', 'seriesId', series_id,
            'sha', json_extract(body, '$.sha'), 'status', json(json_extract(body, '$.status'))),
          'pending', 0, created_at, created_at
        FROM reports WHERE state = 'pending' AND kind = 'commit-status';
      INSERT INTO work (kind, key, payload, state, not_before, created_at, updated_at)
        SELECT CASE WHEN kind IN ('merge-request-note', 'commit-status') THEN 'forge' ELSE 'mail' END, key, '{}', 'done', 0, created_at, coalesce(sent_at, created_at)
        FROM reports WHERE state = 'sent';
      DROP TABLE reports;

      -- What the report stage reads back: the merge request an application came from, and the .repo
      -- file a publication made (the detail column was written and never read).
      ALTER TABLE applications ADD COLUMN merge_request TEXT;
      UPDATE applications SET merge_request = json_extract(detail, '$.mergeRequest')
        WHERE json_valid(detail) AND json_extract(detail, '$.mergeRequest') IS NOT NULL;
      ALTER TABLE publications ADD COLUMN repo_file_url TEXT;
      -- Merge-request mode: the source branch each series was given, before its MR exists, so
      -- two series of the same title never share one.
      CREATE TABLE source_branches (
        project     TEXT NOT NULL,
        branch      TEXT NOT NULL,
        series_id   TEXT NOT NULL,
        PRIMARY KEY (project, branch)
      );
      INSERT OR IGNORE INTO source_branches (project, branch, series_id)
        SELECT project, source_branch, series_id FROM merge_requests;
      CREATE INDEX applications_report ON applications (state, build_commit) WHERE build_commit IS NOT NULL;
    `,
  },
  {
    version: 4,
    name: 'targets with arches, failure classes, scratch builds',
    sql: `
      -- Targets build several arches in one build (issue 14): what each arch gave, the SRPM and
      -- release every target built from, the failure's class and error lines, the infrastructure
      -- retries behind a result, Koji's task id, and scratch builds of merge requests (never published).
      ALTER TABLE builds ADD COLUMN arch_builds TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE builds ADD COLUMN srpm TEXT;
      ALTER TABLE builds ADD COLUMN release TEXT;
      ALTER TABLE builds ADD COLUMN failure_class TEXT CHECK (failure_class IN ('infrastructure', 'patch'));
      ALTER TABLE builds ADD COLUMN error_lines TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE builds ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE builds ADD COLUMN task_id INTEGER;
      ALTER TABLE builds ADD COLUMN scratch INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 5,
    name: 'limits per sender; duplicate Message-IDs',
    sql: `
      -- Counting one sender's mails of the last hour (limits.mailsPerSenderPerHour).
      CREATE INDEX mails_sender ON mails (sender, received_at);
      -- A second, different mail under a Message-ID already recorded: kept as evidence, never
      -- acted on. Hashes are of the mail's content (subject, sender, body; see mail/content-hash.ts).
      CREATE TABLE mail_duplicates (
        message_id    TEXT NOT NULL REFERENCES mails (message_id),
        first_sha256  TEXT NOT NULL,
        other_sha256  TEXT NOT NULL,
        source        TEXT NOT NULL,
        position      TEXT NOT NULL,
        seen_at       TEXT NOT NULL,
        PRIMARY KEY (message_id, other_sha256)
      );
    `,
  },
  {
    version: 6,
    name: 'authenticity verdicts and history marks on mails',
    sql: `
      -- What verifying the mail found when it came in (DKIM, ARC, patatt): JSON, null when no
      -- project asked for it then.
      ALTER TABLE mails ADD COLUMN authenticity TEXT;
      -- 1 when the mail came in through a backfill (import, sync --since): history, never answered
      -- when it is older than its source's first reading.
      ALTER TABLE mails ADD COLUMN history INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 7,
    name: 'published URL of a local build log',
    sql: `
      -- Where the full log of a local build is served under the published tree (null for Koji's,
      -- whose log_path is the hub's URL already).
      ALTER TABLE builds ADD COLUMN log_url TEXT;
    `,
  },
  {
    version: 8,
    name: 'one-off releases of held series',
    sql: `
      -- patchferry release: a maintainer lets one held series through without trusting its sender
      -- for good. Keyed by the Message-ID named (the series' head or any of its mails).
      CREATE TABLE releases (
        message_id  TEXT PRIMARY KEY,
        released_by TEXT NOT NULL,
        released_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 9,
    name: 'the test stage: checks of published builds',
    sql: `
      -- What installing a published build into a throwaway root and running the project's checks
      -- found (issue 15), and the stable repository it was promoted to when they passed.
      CREATE TABLE build_checks (
        build_id     INTEGER PRIMARY KEY REFERENCES builds (id),
        state        TEXT NOT NULL CHECK (state IN ('passed', 'failed', 'not-installed', 'not-run')),
        testing_url  TEXT NOT NULL,
        stable_url   TEXT,
        packages     TEXT NOT NULL DEFAULT '[]',
        checks       TEXT NOT NULL DEFAULT '[]',
        tail         TEXT,
        checked_at   TEXT NOT NULL
      );
      -- Units of kind check (testing one published build) and archive (an applied series' mails
      -- into the archive of the day's patches). SQLite cannot change a CHECK
      -- constraint, so the work table is made again with the new kind, rows and index as they were.
      CREATE TABLE work_next (
        id            INTEGER PRIMARY KEY,
        kind          TEXT NOT NULL CHECK (kind IN ('series', 'build', 'publish', 'check', 'archive', 'mail', 'forge')),
        key           TEXT NOT NULL UNIQUE,
        payload       TEXT NOT NULL,
        state         TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed', 'dead')),
        attempts      INTEGER NOT NULL DEFAULT 0,
        not_before    INTEGER NOT NULL,
        error_code    TEXT,
        error_message TEXT,
        lease_holder  TEXT,
        lease_expires INTEGER,
        handle        TEXT,
        result        TEXT,
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
      );
      INSERT INTO work_next SELECT id, kind, key, payload, state, attempts, not_before, error_code,
        error_message, lease_holder, lease_expires, handle, result, created_at, updated_at FROM work;
      DROP TABLE work;
      ALTER TABLE work_next RENAME TO work;
      CREATE INDEX work_due ON work (kind, state, not_before);
    `,
  },
  {
    // A source's first reading (mails.firstReceived, asked for each answer to imported history)
    // scanned every mail's row, overflow pages of its bytes included: 19 s of a 35 s import.
    version: 10,
    name: "an index for a source's first reading",
    sql: `CREATE INDEX mails_source_received ON mails (source, received_at);`,
  },
];
