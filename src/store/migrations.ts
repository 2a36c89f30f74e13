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
];
