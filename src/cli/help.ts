export const MAIN_HELP = `patchferry — carries patches from a mailing list to RPM repositories

Usage: patchferry <command> [options]

Commands:
  demo           make a demo world and run the main job on it, then serve its repositories
  sync           read the mail sources, record new mail, apply complete series
  watch          stay running: read mail when it arrives, run every unit of work as it is due
  serve          the daemon: watch, the nightly schedule, webhooks, console and metrics on one port
  serve-repo     serve the published repositories over HTTP (where there is no httpd)
  import         feed mailbox files or public-inbox archives through sync
  build          build RPMs of branches that received series, for every platform
  publish        publish successful builds as yum repositories
  report         send the reports of what happened (list replies, outbox, merge request notes)
  ci             one job of the RPM pipeline (ci sync|build|publish|report)
  retry          ask again for units of work that were given up on (all, or by key)
  release        let one held series through once, without trusting its sender for good
  config check   validate a configuration file
  scan           describe the mails and series in mailbox files (no state, no effects)

Options for every command:
  --config FILE  configuration file (default: $PATCHFERRY_CONFIG or ./patchferry.yml)
  --log-level L  trace, debug, info, warn, error (JSON log lines go to stderr)
  -h, --help     help for a command
  -V, --version  patchferry's version (alone, without a command)

Each stage queues units of work (a series, a build, a publication, a report) and runs
them; a unit that fails is retried later with backoff (work.retrySeconds), and after
work.maxAttempts it is given up and reported to reporter.failureRecipients. Ctrl-C or
SIGTERM stops the running unit, which runs again next time.

Exit status: 0 done; 1 the job ran and something failed (the report says what, RETRY
and GAVE UP lines name units that failed); 2 usage or configuration error, or another
patchferry is working on the same database.
`;

export const COMMAND_HELP: Record<string, string> = {
  demo: `Usage: patchferry demo [--dir DIR] [--port N] [--no-serve]

Creates a demo world under DIR (default ./demo-world): a git repository of a small
RPM-packaged program, and a mailbox of patches made with git format-patch. Runs the main
job once in direct mode (sync, build for el9 and fc41, publish, report), serves the
repositories on http://127.0.0.1:PORT/ and prints a dnf command that installs from them.
Then runs the daemon on the demo world and prints its console's URL (127.0.0.1:3000, or
a free port with --port 0): the console shows what the demo did, and its Run pipeline
button builds again. Serves until interrupted (Ctrl-C) unless --no-serve is given.

  --dir DIR    where the demo world is made (replaced if it is a previous demo)
  --port N     port to serve on (default: 8080; 0 picks a free one)
  --no-serve   stop after the run instead of serving

Its log shows errors only (the patch it expects not to apply is in the summary instead);
--log-level warn or PATCHFERRY_LOG_LEVEL shows more.
`,
  sync: `Usage: patchferry sync [--config FILE] [--since YYYY-MM-DD]

Reads every configured mail source, records each mail once (by Message-ID), recognises
patch series by their subject tags, and applies each complete series to its target
branch with git am --3way (direct mode). Mails naming an unknown repository or branch
are rejected and their senders get a reply saying why. IMAP mails whose outcome is
final get the keyword $Patchferry, so a run with an empty database starts from the
unmarked ones.

  --since DATE  backfill: IMAP folders deliver every mail dated from DATE on again
                (mails already recorded are recognised by Message-ID)
`,
  watch: `Usage: patchferry watch [--config FILE] [--poll SECONDS]

Reads the mail at start and again whenever new mail arrives: IMAP folders push it with
IDLE (or are polled every sources[].pollSeconds where the server has no IDLE); files and
archives are read again every --poll seconds (default 60). In merge-request mode the forge
is also asked every --poll seconds whether an open merge request was merged (serve hears
it at once through webhooks). Beside it, a worker runs every unit of work as it comes due
(series, builds, publications, reports, retries), so a long build never holds up the mail.
Reconnects after any drop. Ctrl-C or SIGTERM: stops taking work, gives the running unit
work.shutdownSeconds (default 30) to finish, then stops it; it runs again next start.
`,
  serve: `Usage: patchferry serve [--config FILE] [--port N] [--host H] [--poll SECONDS]

Does what watch does, runs the nightly pipeline at schedule.nightly (a cron expression read
in schedule.timezone; a run missed while patchferry was down runs once at start), and
answers on http://H:N (default 127.0.0.1:3000):
  /            the console: series, merge requests, builds per target with their logs,
               published repositories with their dnf lines, units given up on (Retry),
               the next nightly run and a Run pipeline form (project, branch, platforms).
               Loopback clients only, unless console.tokenEnv names a token.
  /healthz     200 while the process answers
  /readyz      200 when every mailbox is connected, the database takes a write and the
               queue moves; 503 with the checks otherwise
  /metrics     Prometheus text format
With forge.webhookSecretEnv set it also receives the forge's webhooks, so that a merged
patchferry merge request is recorded at once and built. GitHub: the patchferry App's
endpoint /api/github/webhooks, deliveries signed with the secret. GitLab: a project webhook
for merge request events pointing at /api/gitlab/webhooks, its secret token the secret.
SIGTERM stops taking work and gives running units work.shutdownSeconds; SIGHUP reads the
configuration again (an invalid one is logged and the one in use kept).
`,
  'serve-repo': `Usage: patchferry serve-repo [--config FILE] [--port N] [--host H]

Serves publisher.root over HTTP on http://H:N/ until interrupted (Ctrl-C or SIGTERM), as
the demo serves its repositories: each directory's index.html, the .repo files, the
repositories dnf reads (a single byte range too, which dnf and curl use to resume a
download). For a machine without a web server; a real host serves the tree
with httpd (examples/httpd/patchferry.conf). The .repo files and pages name
publisher.baseUrl, so serve the tree there.

  --port N     port (default: publisher.baseUrl's port, else 8080; 0 picks a free one)
  --host H     address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
`,
  import: `Usage: patchferry import [--config FILE] PATH...

Feeds mbox files, Maildir folders, single messages (any of them gzipped) and
public-inbox archives through the same path as live mail (see sync). Mails already
recorded, however they came, change nothing. Ctrl-C or SIGTERM stops the reading once the
batch being recorded is committed: those mails are kept, "patchferry sync" sorts them, and
the same import again reads on after them (exit status 1). A file that fails mid-read (a
damaged .gz) keeps the mails before the damage in the same way.
`,
  build: `Usage: patchferry build [--config FILE] [--project P] [--branch B] [--platform X] [--all]

Builds the tip of every branch that received series since its last build, for each
platform of its project. A commit already built for a platform is not built again; one
whose build failed is built again (the cause may have been the builder).

  --project P   only this project
  --branch B    only this branch
  --platform X  only this platform
  --all         every configured branch, not only those that received series (nightly)
`,
  publish: `Usage: patchferry publish [--config FILE]

Publishes every successful build not yet published: one yum repository per
project/branch/platform/arch under publisher.root, switched atomically.
`,
  ci: `Usage: patchferry ci sync|build|publish|report [--config FILE]

One job of the RPM pipeline that ci/templates/rpm-pipeline.yml (GitLab) and
ci/github/rpm-pipeline.yml (GitHub Actions) run. It reads the pipeline's variables:
CI_PIPELINE_SOURCE or GITHUB_EVENT_NAME (push, merge_request_event, schedule, web),
the repository's path, branch and commit, PLATFORM (the job's target) and the Run
pipeline form's PROJECT, BRANCH and PLATFORMS (comma-separated). It works on a
database of its own that starts empty and is removed afterwards.

  sync     read the list and apply or propose complete series (schedule, web)
  build    a push to a tracked branch builds that commit; schedule and web build the
           tip of every tracked branch (narrowed by the form); each build, failed
           ones too, is saved in $PATCHFERRY_ARTIFACTS (default patchferry-artifacts)
  publish  publishes the successful builds the build jobs saved there
  report   mails the list what the pipeline built (one report per branch and commit)

Exit status: as the stage's own command (0 done, 1 something failed, 2 usage or
configuration error), but for sync: 3 when only series failed to apply, which is the
senders' to fix: the templates let that pass with a warning, and the builds still run.
Once per series: a series an earlier job reported (kept in the published tree, .ci/) is
listed as failed before and not counted again.
`,
  retry: `Usage: patchferry retry [--config FILE] [KEY...]

A unit of work that failed work.maxAttempts times (work.deliveryAttempts for mails and
notes on the forge) is given up on, and reporter.failureRecipients are told, with its key.
Once its cause is fixed (the mail server is back, the repository directory exists again),
"patchferry retry KEY" asks for it again; without KEY, every unit given up on but the
notices of them ("retry dead:" asks for those). A KEY is one whole key
("series:<id>"), or the start of keys when it ends in ':' or '*' ("publish:", "mail:",
"series:abc*"). A series given up on is applied again, not only recorded. The next run of the unit's stage (sync, build,
publish, report), or a running watch within a minute, takes it up. Exit status 1 when KEY
matches no unit given up on.
`,
  release: `Usage: patchferry release [--config FILE] [--by NAME] MESSAGE-ID

A series whose sender is not in trust.senders (or whose mail does not prove its sender
under trust.authenticity: require) is held: "patchferry sync" lists it as
HELD … <MESSAGE-ID>. "patchferry release MESSAGE-ID" (the series' or any of its mails')
lets that series through once: the release is recorded in the state database with who
(--by, default the user running the command) and when, and the next sync (a running
watch within a minute) applies it. The sender's next series is held again; to trust a
sender for good, add it to trust.senders. Releasing a series released before changes
nothing: it says by whom and when, and exits 0 (a release is the same however often it is
asked for). Exit status 1 when the mail is unknown, or is neither held nor released before.
The report of a released series says who released it and when.
`,
  report: `Usage: patchferry report [--config FILE]

Queues the report of every series whose builds finished, then delivers everything in the
outbox: replies threaded on the list (SMTP and/or the outbox mbox file; each destination
gets a mail once, a retry only where it was not delivered), and in merge-request mode the
notes, the status note (edited in place) and commit statuses on the forge.
`,
  scan: `Usage: patchferry scan [--json] [--config FILE] PATH...

Reads each PATH (an mbox, a Maildir, a single message file, or a .gz of a file) and describes
every mail (kind, subject tags, threading) and every series assembled from them. Nothing is
recorded or applied. Without --config, repo and branch are what the tags say, unchecked; with
it, they are checked against the configured projects, and a complete series whose senders
trust.senders does not allow is shown HELD with the reason ("held" in --json). scan reads no
DNS and no keyring: what trust.authenticity would hold is known only to sync. A file that
cannot be read to its end (a damaged .gz) is described up to there, said on stderr (in --json an
entry with "unreadable": true), and the other files are read; the exit status is then 1.
Trailing garbage after a .gz's gzip data is skipped as gzip does, with a warning on stderr
naming the byte offset; the mails before it are all read.

  --json   print one JSON document {"mails": [...], "series": [...]} (see README.md)
`,
  config: `Usage: patchferry config check FILE

Validates FILE and prints every problem with its key path. Exit status 2 when invalid.
A project whose repository is on this machine (a path or file:// URL) has its branches
looked up (git ls-remote): a configured branch the repository lacks is a problem.
`,
};
