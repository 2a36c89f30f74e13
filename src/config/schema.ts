import { z } from 'zod';
import { bounded } from './bounded.ts';
import { LIMITS_DEFAULTS, limits } from './limits.ts';
import { cronFiresEver, isCronPattern, isTimeZone } from './cron.ts';
import { ENV_NAME, PROJECT_NAME, isValidBranchName } from './names.ts';
import { redactUrl } from './transport.ts';
import { projectTrust, rejections, trust } from './trust.ts';

// The value is never shown: what is written here by mistake is most often the secret itself.
const envName = z.string().regex(ENV_NAME, {
  error:
    'expected the name of an environment variable (A-Z, 0-9, _) that holds the secret, not the secret itself; the value given is not shown',
});
const projectName = z.string().regex(PROJECT_NAME, {
  error: (iss) => `${JSON.stringify(iss.input)} is not a valid name (letters, digits, . _ + -)`,
});
const branchName = z.string().refine(isValidBranchName, {
  error: (iss) => `${JSON.stringify(iss.input)} is not a valid branch name`,
});
const httpUrl = z.url({
  protocol: /^https?$/,
  error: (iss) =>
    `${typeof iss.input === 'string' ? JSON.stringify(redactUrl(iss.input)) : 'the value'} is not an http(s) URL`,
});
/** A forge's API base: the same with or without a trailing slash (clients append their paths). */
const forgeUrl = httpUrl.transform((u) => u.replace(/\/+$/, ''));
const port = z.int().min(0).max(65535);
const DAY = 86_400;

/** A path ssh reads as one path: no white space, quote, backslash, % or ~ (it splits and expands those). */
const sshPath = z.string().regex(/^[^\s"'\\%~]+$/, {
  error: (iss) =>
    `${JSON.stringify(iss.input)} holds a space, quote, backslash, % or ~, which ssh would split or expand; use a plain path`,
});
const publishTarget = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('local') }),
  z.strictObject({
    kind: z.literal('rsync'),
    /** The httpd host's name or address (no user@, no :port: those have keys of their own). */
    host: z
      .string()
      .regex(/^[A-Za-z0-9_.:[\]-]+$/)
      .refine((h) => !h.startsWith('-'), {
        error: 'a host name cannot start with "-"',
      }),
    user: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, { error: 'expected a user name on the host' }),
    port: z.int().min(1).max(65535).default(22),
    /** The directory the host's httpd serves, absolute on that host. */
    path: z.string().startsWith('/', { error: 'expected an absolute path on the remote host' }),
    /** The private key patchferry logs in with; ssh's default keys when absent. */
    identityFile: sshPath.optional(),
    /** The known_hosts file holding the host's key: the only one checked, never added to. */
    knownHosts: sshPath,
    connectTimeoutSeconds: z.number().positive().max(300).default(10),
  }),
]);

const mboxSource = z.strictObject({ type: z.literal('mbox'), path: z.string().min(1), rejections });
const maildirSource = z.strictObject({ type: z.literal('maildir'), path: z.string().min(1), rejections });
const publicInboxSource = z.strictObject({
  type: z.literal('public-inbox'),
  /** A local clone of a public-inbox archive: a v1 git repository, or a v2 inbox holding git/N.git epochs. */
  path: z.string().min(1),
  /** Read the mails committed after this commit; without it, the whole archive. */
  after: z
    .string()
    .regex(/^[0-9a-f]{7,64}$/, { error: (iss) => `${JSON.stringify(iss.input)} is not a commit id` })
    .optional(),
  rejections,
});
const imapSource = z
  .strictObject({
    type: z.literal('imap'),
    host: z.string().min(1),
    /** 993 for tls, 143 otherwise, when not given. */
    port: port.optional(),
    /** plain sends the password unencrypted: only for a server on this machine. */
    security: z.enum(['tls', 'starttls', 'plain']).default('tls'),
    user: z.string().min(1),
    /** Environment variable holding the password (LOGIN / AUTH=PLAIN). */
    passwordEnv: envName.optional(),
    /** Environment variable holding an OAuth2 access token (XOAUTH2 / OAUTHBEARER). */
    accessTokenEnv: envName.optional(),
    /** PEM file of a certificate authority (or the server's own certificate) to trust besides the system's. */
    caFile: z.string().min(1).optional(),
    mailboxes: z.array(z.string().min(1)).min(1).default(['INBOX']),
    /** Move mails whose outcome is final to this folder (they are marked $Patchferry either way). */
    moveTo: z.string().min(1).optional(),
    /** How often to look for new mail when the server has no IDLE. */
    pollSeconds: z.number().positive().default(60),
    reconnect: z
      .strictObject({
        attempts: z.int().min(1).default(6),
        maxDelaySeconds: z.number().positive().default(60),
      })
      .default({ attempts: 6, maxDelaySeconds: 60 }),
    rejections,
  })
  .refine((s) => (s.passwordEnv === undefined) !== (s.accessTokenEnv === undefined), {
    error: 'give exactly one of passwordEnv and accessTokenEnv',
  });
const source = z.discriminatedUnion('type', [mboxSource, maildirSource, publicInboxSource, imapSource]);

/** A base repository: a URL dnf reads, or an absolute path taken as a file:// URL. */
const baseRepo = z
  .string()
  .refine((r) => /^(https?|file):\/\/\S+$/.test(r) || /^\/\S*$/.test(r), {
    error: (iss) =>
      `${JSON.stringify(iss.input)} is not a repository URL (http://, https://, file://) or an absolute path`,
  })
  .transform((r) => (r.startsWith('/') ? `file://${r}` : r));

const rpmArch = z.string().regex(/^[a-z0-9_]+$/, { error: 'expected an RPM architecture such as "x86_64"' });

/** A build target: every arch of it is built in one build, as a Koji target does. `arch: x` (the
 * form before targets had several arches) still loads, as `arches: [x]`. */
const platform = z
  .strictObject({
    /** The %{dist} tag builds for this platform get, e.g. ".el9". */
    dist: z.string().regex(/^\.[A-Za-z0-9_.]+$/, { error: 'expected a dist tag such as ".el9"' }),
    arches: z.array(rpmArch).min(1).optional(),
    arch: rpmArch.optional(),
    kojiTarget: z.string().min(1).optional(),
    /** What dnf's $releasever is on this platform; used in the .repo files published for it. */
    // YAML reads `releasever: 41` as a number; it means the string "41".
    releasever: z.union([z.string().min(1), z.number().int().nonnegative().transform(String)]).optional(),
    /** The platform's own repositories (its OS: BaseOS, AppStream, fedora, updates), from which
     * the test stage installs what a build needs besides itself (projects.<p>.tests): http(s)://
     * or file:// URLs of directories holding repodata/, or absolute paths. */
    baseRepos: z.array(baseRepo).optional(),
  })
  .refine((p) => (p.arch === undefined) !== (p.arches === undefined), {
    error: 'give the arches to build, e.g. arches: [x86_64, ppc64le] (or the older arch: x86_64)',
  })
  .transform(({ arch, arches, ...rest }) => ({
    ...rest,
    arches: [...new Set(arches ?? (arch ? [arch] : []))],
  }));

/** One check of the test stage: a command run in the root the build was installed into. */
const check = z.strictObject({
  /** Named in the reports: "version", "smoke". */
  name: z.string().regex(/^[^\s].{0,79}$/, { error: 'expected a short name such as "version"' }),
  /** The program and its arguments as the root sees them (no shell): ["hello", "--version"]. */
  run: z.array(z.string().min(1)).min(1),
  /** Past this the check is stopped and fails. */
  timeoutSeconds: z.int().min(1).max(DAY).default(300),
});

const project = z.strictObject({
  /** URL or local path of the repository patches are applied to. */
  git: z.string().min(1),
  branches: z.array(branchName).min(1),
  /** Path of the spec file inside the repository. */
  spec: z.string().min(1).default('*.spec'),
  platforms: z.array(projectName).min(1),
  /** `snapshot`: each build's Release is `<spec release>.<commits>.<YYYYMMDD>git<sha>`, above every
   * earlier build of the branch; `spec`: the spec's own, for branches whose maintainers bump it. */
  release: z.enum(['snapshot', 'spec']).default('snapshot'),
  /** In merge-request mode, a scratch build on every target of each new version of a series, its
   * outcome shown on the merge request before it is merged (off by default: it doubles the builds). */
  prebuild: z.boolean().default(false),
  /** Globs of the package names this project may publish (`qemu`, `qemu-*`); when absent, the names
   * its branch published before. A build making another name, or raising an Epoch, is not published. */
  packages: z
    .array(
      z
        .string()
        .regex(/^[A-Za-z0-9_.+*?[\]!-]+$/, { error: 'expected a package name or glob such as "qemu-*"' }),
    )
    .min(1)
    .optional(),
  /** With the koji builder: the repository as Koji's builders fetch it (`git+https://host/repo.git`),
   * for a forge Koji trusts (its allowed_scms); builds are then submitted as `<kojiScm>#<commit>`
   * instead of an uploaded SRPM. Koji builds the spec as committed, so it goes with release: spec. */
  kojiScm: z
    .string()
    .regex(/^git(\+https|\+ssh|\+http)?:\/\/[^\s#]+$/, {
      error:
        'expected a git URL Koji can fetch, such as "git+https://forge.example.org/group/repo.git" (no #commit)',
    })
    .optional(),
  /** The forge's name for the repository (GitLab project path, GitHub owner/name): needed with a forge. */
  forgePath: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/, {
      error: (iss) => `${JSON.stringify(iss.input)} is not a repository path such as "group/name"`,
    })
    .optional(),
  /** Mailing lists that carry this project alone: List-Id values (`qemu-devel.nongnu.org`) or list
   * addresses, matched against List-Id, then To/Cc. Mail on such a list needs no repo tag
   * (patchwork maps mail to projects by List-Id the same way). */
  lists: z.array(z.string().min(1)).default([]),
  /** Overrides trust.senders and trust.authenticity for this project. */
  trust: projectTrust.optional(),
  /** Checks of the test stage: each build is published to the testing channel, installed into a
   * throwaway root (with the platform's baseRepos) and these run there in the sandbox; a build
   * whose checks all pass is promoted to the stable channel. None: no test stage. */
  tests: z
    .array(check)
    .refine((t) => new Set(t.map((c) => c.name)).size === t.length, {
      error: 'two checks have the same name',
    })
    .optional(),
});

const forge = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('gitlab'),
    url: forgeUrl,
    tokenEnv: envName,
    /** The secret token of the project's webhook; `patchferry serve` receives them when it is set. */
    webhookSecretEnv: envName.optional(),
  }),
  z.strictObject({
    type: z.literal('github'),
    url: forgeUrl.default('https://api.github.com'),
    tokenEnv: envName,
    /** The secret GitHub signs webhooks with; `patchferry serve` receives them when it is set. */
    webhookSecretEnv: envName.optional(),
  }),
]);

const limit = (max: number, what: string) =>
  bounded({ min: 1, max, integer: true, expected: `${what} from 1 to ${max}` });

/** What one local build may use (src/build/sandbox-limits.ts has their meaning). */
export const SANDBOX_LIMITS = {
  cpuSeconds: 3600,
  memoryMB: 8192,
  processes: 1024,
  fileSizeMB: 4096,
  diskMB: 20480,
  tmpMB: 2048,
};
const sandboxLimits = z.strictObject({
  cpuSeconds: limit(7 * DAY, 'seconds').default(SANDBOX_LIMITS.cpuSeconds),
  memoryMB: limit(1 << 20, 'MiB').default(SANDBOX_LIMITS.memoryMB),
  processes: limit(1 << 16, 'a whole number').default(SANDBOX_LIMITS.processes),
  fileSizeMB: limit(1 << 20, 'MiB').default(SANDBOX_LIMITS.fileSizeMB),
  diskMB: limit(1 << 24, 'MiB').default(SANDBOX_LIMITS.diskMB),
  tmpMB: limit(1 << 20, 'MiB').default(SANDBOX_LIMITS.tmpMB),
});

/** What both builders share: how often a build that failed for the infrastructure's reasons (not
 * the patch's) is tried again, with backoff, before it is reported failed. */
const builderCommon = {
  infrastructureRetries: z.int().min(0).max(20).default(3),
};

/** How patchferry logs in to Koji for the calls that write (upload, build, cancel). */
const kojiAuth = z.discriminatedUnion('method', [
  /** A client certificate (`sslLogin`; the Koji user is its CN): PEM files. */
  z.strictObject({ method: z.literal('ssl'), cert: z.string().min(1), key: z.string().min(1) }),
  z.strictObject({ method: z.literal('password'), user: z.string().min(1), passwordEnv: envName }),
  z.strictObject({ method: z.literal('gssapi') }).refine(() => false, {
    error:
      'GSSAPI (Kerberos) login is not supported: use method: ssl (a client certificate: cert, key) or method: password (user, passwordEnv)',
  }),
]);

const builder = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('rpmbuild'),
    /** bwrap: every spec's code runs in a bubblewrap sandbox (no network, no secrets, read-only
     * system). none: on the host, for lists whose senders are all trusted (needs trust.senders). */
    sandbox: z.enum(['bwrap', 'none']).default('bwrap'),
    limits: sandboxLimits.prefault({}),
    /** Minutes one build may run, its test suite included; the build is killed past them. */
    timeoutMinutes: limit(7 * 24 * 60, 'minutes').default(120),
    ...builderCommon,
    /** rpmbuild runs at once (targets and arches built side by side); the machine's cores when absent. */
    concurrency: limit(256, 'a whole number').optional(),
  }),
  z.strictObject({
    type: z.literal('koji'),
    ...builderCommon,
    /** The hub's XML-RPC URL, e.g. https://koji.example.org/kojihub. */
    hub: httpUrl,
    /** Where the hub's files are served (`work/tasks/…`); `<hub's origin>/kojifiles` when absent. */
    topurl: httpUrl.optional(),
    /** PEM file of the CA the hub's certificate is checked against, when not a public one. */
    ca: z.string().min(1).optional(),
    auth: kojiAuth,
    /** Koji's priority offset for the build task (lower runs sooner; 5 is the CLI's --background). */
    priority: z.int().min(-20).max(100).optional(),
    /** How often running builds are polled (one multiCall for all of them). */
    pollSeconds: z.number().positive().max(3600).default(30),
    /** Minutes a build may run on Koji before it is canceled (an infrastructure failure). */
    timeoutMinutes: limit(7 * 24 * 60, 'minutes').default(720),
    /** Cancel the builds this process watches when it gets SIGTERM. */
    cancelOnShutdown: z.boolean().default(false),
    /** The SRPM is still made here, by running the spec: in the sandbox, as the local builder does. */
    sandbox: z.enum(['bwrap', 'none']).default('bwrap'),
    limits: sandboxLimits.prefault({}),
  }),
]);

const smtp = z.strictObject({
  host: z.string().min(1),
  port: port.default(25),
  security: z.enum(['tls', 'starttls', 'plain']).default('starttls'),
  user: z.string().optional(),
  passwordEnv: envName.optional(),
});

const reporter = z.strictObject({
  from: z.string().min(3),
  listAddress: z.string().min(3),
  failureRecipients: z.array(z.string().min(3)).default([]),
  /** Link to a mail in the list's archive; {messageId} is replaced by the Message-ID (URL-encoded,
   * without angle brackets), e.g. https://lore.example.org/virt/{messageId}/ */
  archiveUrl: z
    .string()
    .refine((u) => u.includes('{messageId}') && /^https?:\/\//.test(u), {
      error: 'expected an http(s) URL containing {messageId}',
    })
    .optional(),
  /** Reports are also appended here as RFC 5322 messages (an mbox file). */
  outbox: z.string().min(1).optional(),
  smtp: smtp.optional(),
});

const subjects = z.strictObject({
  /** A regular expression tried on the subject before the default grammar: its named groups repo and
   * branch (optional; else the project's first branch) route the series. Only those two are read:
   * version and part numbers always come from the default grammar (series/route.ts). */
  pattern: z
    .string()
    .refine(isRegExp, { error: (iss) => `${JSON.stringify(iss.input)} is not a valid regular expression` })
    .optional(),
});

/** How units of work (applying a series, a build, a publication, one effect) are retried. */
export const WORK_DEFAULTS = {
  maxAttempts: 5,
  deliveryAttempts: 20,
  builders: 2,
  retrySeconds: 30,
  maxRetrySeconds: 3600,
  leaseSeconds: 300,
  shutdownSeconds: 30,
};

// maxRetrySeconds >= retrySeconds is checked in validate.ts, on the raw document: a rule on this
// object would be skipped whenever one of its keys is wrong, and the two mistakes reported in turn.
const work = z.strictObject({
  /** A unit that failed this many times is dead: not tried again, reported to failureRecipients. */
  maxAttempts: bounded({
    min: 1,
    max: 100,
    integer: true,
    expected: 'a whole number from 1 to 100',
  }).default(WORK_DEFAULTS.maxAttempts),
  /** The same for effects (mails, notes on the forge): a mail server or forge down for a few
   * hours must not lose a report, so they are tried longer (20 attempts ≈ a day by default). */
  deliveryAttempts: bounded({
    min: 1,
    max: 100,
    integer: true,
    expected: 'a whole number from 1 to 100',
  }).default(WORK_DEFAULTS.deliveryAttempts),
  /** watch/serve: how many builds run at once (each target's build is a unit), so that a long
   * build of one branch does not hold up the builds, and so the reports, of the others. */
  builders: bounded({
    min: 1,
    max: 64,
    integer: true,
    expected: 'a whole number from 1 to 64',
  }).default(WORK_DEFAULTS.builders),
  /** The first retry waits about this long; each next one twice as long, up to maxRetrySeconds. */
  retrySeconds: bounded({
    min: 0,
    above: true,
    max: DAY,
    expected: `seconds above 0, at most ${DAY} (a day)`,
  }).default(WORK_DEFAULTS.retrySeconds),
  maxRetrySeconds: bounded({
    min: 0,
    above: true,
    max: 7 * DAY,
    expected: `seconds above 0, at most ${7 * DAY} (a week)`,
  }).default(WORK_DEFAULTS.maxRetrySeconds),
  /** A unit whose worker stopped renewing its lease this long ago is taken up again by another. A
   * worker renews it every third of it: shorter than 10 s, a busy machine could miss a renewal. */
  leaseSeconds: bounded({ min: 10, max: DAY, expected: `seconds from 10 to ${DAY} (a day)` }).default(
    WORK_DEFAULTS.leaseSeconds,
  ),
  /** watch/serve: how long SIGTERM waits for running units before it aborts them. */
  shutdownSeconds: bounded({
    min: 0,
    above: true,
    max: 3600,
    expected: 'seconds above 0, at most 3600 (an hour)',
  }).default(WORK_DEFAULTS.shutdownSeconds),
});

/** The daemon's clock-driven work: the nightly pipeline (build every branch, publish, the daily
 * summary), as a cron expression read in a time zone. */
const schedule = z.strictObject({
  /** Five fields (minute hour day month weekday), or six with seconds first; e.g. "0 2 * * *". */
  nightly: z
    .string()
    .refine(isCronPattern, {
      error: (iss) => `${JSON.stringify(iss.input)} is not a cron expression such as "0 2 * * *"`,
      abort: true,
    })
    .refine(cronFiresEver, {
      error: (iss) =>
        `${JSON.stringify(iss.input)} never fires: no date matches it (check the day and month)`,
    })
    .optional(),
  /** An IANA time zone ("Europe/Berlin") the expression is read in. */
  timezone: z
    .string()
    .refine(isTimeZone, {
      error: (iss) => `${JSON.stringify(iss.input)} is not a time zone such as "UTC" or "Europe/Berlin"`,
    })
    .default('UTC'),
});

/** The web console on the daemon's port (`patchferry serve`). */
const consoleSettings = z.strictObject({
  /** Environment variable holding a token that opens the console to clients not on this machine;
   * without it, only loopback clients (127.0.0.1, ::1) see it. */
  tokenEnv: envName.optional(),
  /** Names (`name` or `name:port`) a browser on this machine may reach the console by besides
   * localhost and the address it listens on (a name in /etc/hosts, a local reverse proxy's): any
   * other Host from a loopback client is refused, so a rebound DNS name cannot drive it. */
  hosts: z
    .array(
      z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/, {
        error: 'expected a host name, with :port or not',
      }),
    )
    .default([]),
});

export const configSchema = z.strictObject({
  state: z.strictObject({ database: z.string().min(1) }),
  workDir: z.string().min(1),
  sources: z.array(source).min(1),
  subjects: subjects.default({}),
  series: z
    .strictObject({
      /** A series still missing parts this many hours after its first mail is reported incomplete, not applied. */
      graceHours: z.number().positive().default(72),
      /** Groups of addresses one person sends from: a new version from any of them may replace a
       * series from another (otherwise only the same From: address may). */
      sameSender: z.array(z.array(z.email()).min(2)).default([]),
    })
    .default({ graceHours: 72, sameSender: [] }),
  projects: z.record(projectName, project).refine((p) => Object.keys(p).length > 0, {
    error: 'at least one project is required',
  }),
  platforms: z.record(projectName, platform),
  forge: forge.optional(),
  builder: builder.prefault({ type: 'rpmbuild' }),
  publisher: z.strictObject({
    /** The tree publications are prepared in; with the rsync target, the local copy uploaded from. */
    root: z.string().min(1),
    baseUrl: httpUrl,
    /** Builds kept of each package name in each repository; older ones leave it. */
    keep: z.number().int().min(1).default(5),
    /** Packages signed with rpmsign, repomd.xml with gpg, the public key at the root. */
    signing: z
      .strictObject({
        /** The GnuPG home holding the secret key. */
        gnupgHome: z.string().min(1),
        fingerprint: z.string().regex(/^[0-9A-Fa-f]{40}$/, {
          error:
            "expected the key's 40-digit fingerprint (gpg --list-secret-keys --with-colons, the fpr line)",
        }),
        /** The variable holding the key's passphrase; none for a key without one. */
        passphraseEnv: envName.optional(),
      })
      .optional(),
    /** Where the tree is served from: this machine's httpd (local), or a remote httpd host it is
     * uploaded to over ssh (rsync). */
    target: publishTarget.default({ kind: 'local' }),
  }),
  reporter,
  work: work.default(WORK_DEFAULTS),
  limits: limits.default(LIMITS_DEFAULTS),
  schedule: schedule.default({ timezone: 'UTC' }),
  console: consoleSettings.default({ hosts: [] }),
  trust,
});

function isRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

export type Config = z.output<typeof configSchema>;
export type ProjectConfig = Config['projects'][string];
export type PlatformConfig = Config['platforms'][string];
export type SourceConfig = Config['sources'][number];
export type ReporterConfig = Config['reporter'];
