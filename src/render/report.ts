import { addRepoLines } from '../rpm/dnf.ts';
import { formatAddress } from '../mail/mail.ts';
import type { ReportMessage } from '../ports/report-message.ts';
import { checkLines, checksFailed, type CheckFacts } from './checks.ts';
import { oneLine } from './one-line.ts';

/** Report rendering: plain values in, the text people read out. Pure. */

export interface PatchLine {
  readonly part: number;
  readonly subject: string;
  /** A part sent past the series' total (`[PATCH 3/2]`): that total, so the report says so. */
  readonly extraOf?: number;
}

export interface SeriesFacts {
  readonly title: string;
  /** The subject of the mail the report replies to (cover letter or first patch). */
  readonly subject: string;
  readonly version: number;
  readonly sender: { readonly name: string; readonly address: string };
  readonly project: string;
  readonly branch: string;
  readonly patches: readonly PatchLine[];
  /** Message-ID the report replies to, and the thread above it. */
  readonly replyTo: string;
  readonly references: readonly string[];
  /** Under trust.authenticity prefer: the mails that did not prove their sender. */
  readonly authenticity?: readonly string[];
  /** Where the archive of the day's patches keeps the series' mails (an mbox), once filed. */
  readonly archiveUrl?: string | null;
  /** A series held for a maintainer (its sender not trusted) that one let through: who, and when
   * (ISO 8601), as `patchferry release` recorded it. */
  readonly released?: { readonly by: string; readonly at: string } | null;
}

export type ApplicationFacts =
  | { readonly state: 'applied'; readonly base: string; readonly head: string }
  | {
      readonly state: 'failed';
      readonly failedPart: number;
      readonly failedSubject: string;
      readonly conflicts: readonly string[];
      /** The conflicting hunks, with git's conflict markers; empty when git could not merge at all. */
      readonly conflictDiff?: string;
      readonly output: string;
    }
  | {
      /** Direct mode: an earlier version is already on the branch, and this one changes some of its
       * patches, which pushed commits cannot take back. */
      readonly state: 'earlier-version-applied';
      readonly earlierVersion: number;
      readonly base: string;
      readonly head: string;
      /** This version's patches that differ from the earlier version's. */
      readonly changed: readonly PatchLine[];
    };

export interface BuildFacts {
  readonly platform: string;
  readonly arch: string;
  readonly ok: boolean;
  readonly rpms: readonly string[];
  readonly repoUrl: string | null;
  readonly repoFileUrl: string | null;
  /** The target's dist tag (".fc41", ".el9"): says which dnf its users run. */
  readonly dist: string | null;
  /** Where the whole log is served (published with the tree, or Koji's), never a local path. */
  readonly logPath: string | null;
  readonly logTail: string | null;
  /** "patch: …" or "infrastructure, retried N times: …" when it failed. */
  readonly error: string | null;
  /** The log lines that say what broke (src/rpm/failure.ts). */
  readonly errorLines?: readonly string[];
  /** Arches of the target this builder could not build, with why (never faked). */
  readonly skipped?: readonly { readonly arch: string; readonly reason: string }[];
  /** The test stage, where the project has checks and they ran. */
  readonly checks?: CheckFacts | null;
}

export interface Audience {
  readonly listAddress: string;
  readonly failureRecipients: readonly string[];
}

/** git's words when it could not read the patch at all: not a matter of the branch. */
const UNREADABLE =
  /corrupt patch|malformed patch|patch with only garbage|quoted CRLF|no valid patches|does not look like a patch|patch is empty/i;
/** git's words when the patch is against content the branch does not have (3-way could not run). */
const OTHER_BASE = /lacks necessary blobs|could not build fake ancestor|sha1 information is lacking/i;

/** What the sender should do about a patch that did not apply, from how it failed: a conflict or a
 * patch against other content asks for a rebase; a patch git could not read (which 3-way cannot
 * merge either: "could not build fake ancestor" follows), for sending it again intact; anything
 * else, for checking both. */
function failureAdvice(
  application: { conflicts: readonly string[]; output: string },
  branch: string,
): string[] {
  if (UNREADABLE.test(application.output))
    return [
      'Nothing of this series was applied: git could not read the patch (see above), which',
      'is not a matter of the branch. Please send it again as git format-patch wrote it',
      '(git send-email sends it unchanged).',
    ];
  if (application.conflicts.length > 0 || OTHER_BASE.test(application.output))
    return [
      'Nothing of this series was applied. Please rebase it onto the current',
      `${branch} and send a new version.`,
    ];
  return [
    'Nothing of this series was applied. Please check that it was made against the current',
    `${branch} and sent unchanged (git format-patch, git send-email), and send a new version.`,
  ];
}

export function renderSeriesReport(
  series: SeriesFacts,
  application: ApplicationFacts,
  builds: readonly BuildFacts[],
  audience: Audience,
): ReportMessage {
  const lines = [
    `patchferry received ${series.patches.length} patch(es) from ${formatAddress(series.sender)}`,
    `for ${series.project} branch ${series.branch}${series.version > 1 ? `, version ${series.version}` : ''}:`,
    '',
    ...series.patches.map(
      (p) =>
        `  [${p.part}/${series.patches.length}] ${p.subject}${p.extraOf === undefined ? '' : ` (an extra part: sent as ${p.part}/${p.extraOf})`}`,
    ),
    '',
    ...notAuthenticated(series.authenticity ?? []),
    ...releasedBy(series.released ?? null),
  ];
  const failed = application.state !== 'applied' || builds.some((b) => !b.ok || checksFailed(b.checks));
  if (application.state === 'earlier-version-applied') {
    lines.push(
      `Version ${application.earlierVersion} of this series is already on ${series.branch}`,
      `(${short(application.base)}..${short(application.head)}), and patchferry does not rewrite pushed commits.`,
      `These patches differ from version ${application.earlierVersion}:`,
      ...application.changed.map((p) => `  [${p.part}/${series.patches.length}] ${p.subject}`),
      '',
      'Nothing of this version was applied. Please send what changed as new',
      `patches against the current ${series.branch}.`,
    );
  } else if (application.state === 'failed') {
    lines.push(
      `Patch ${application.failedPart}/${series.patches.length} did not apply to ${series.branch}:`,
      `  ${application.failedSubject}`,
      ...(application.conflicts.length > 0
        ? ['', 'Conflicting files:', ...application.conflicts.map((f) => `  ${f}`)]
        : []),
      ...(application.conflictDiff ? ['', 'Conflicting hunks:', ...indent(application.conflictDiff)] : []),
      '',
      'git said:',
      ...indent(application.output),
      '',
      ...failureAdvice(application, series.branch),
    );
  } else {
    lines.push(
      `Applied onto ${series.branch}: ${short(application.base)}..${short(application.head)}`,
      ...(series.archiveUrl ? [`The patches as applied (mbox): ${series.archiveUrl}`] : []),
      '',
    );
    for (const b of builds) lines.push(...renderBuild(b), '');
    if (builds.length > 0 && builds.every((b) => b.ok)) lines.push(...installLines(builds));
  }
  const outcome =
    application.state === 'failed'
      ? 'failed to apply'
      : application.state === 'earlier-version-applied'
        ? `version ${application.earlierVersion} already applied`
        : builds.some((b) => !b.ok)
          ? 'build failed'
          : failed
            ? 'tests failed'
            : 'applied and built';
  return {
    to: [audience.listAddress],
    cc: [series.sender.address, ...(failed ? audience.failureRecipients : [])].filter(
      (a, i, all) => a && all.indexOf(a) === i,
    ),
    subject: `Re: ${series.subject.replace(/^(re:\s*)+/i, '')} (patchferry: ${outcome})`,
    inReplyTo: series.replyTo,
    references: [...series.references, series.replyTo],
    body: `${lines.join('\n').trimEnd()}\n\n-- \npatchferry\n`,
  };
}

/** What a pipeline built of one branch at one commit (the pipeline's report job): why it ran,
 * each target's result (RPMs and repository, or the failure and the end of its log), and the dnf
 * line. Not a reply: a pipeline's builds answer no one mail. Failures copy the failure recipients. */
export function renderPipelineReport(
  f: {
    readonly project: string;
    readonly branch: string;
    readonly commit: string;
    /** Why the pipeline ran, in words ("a push", "the nightly schedule", "Run pipeline"). */
    readonly reason: string;
    readonly builds: readonly BuildFacts[];
  },
  audience: Audience,
): ReportMessage {
  const failed = f.builds.some((b) => !b.ok);
  const lines = [
    `patchferry built ${f.project} branch ${f.branch} at ${short(f.commit)}, for ${f.reason}:`,
    '',
  ];
  for (const b of f.builds) lines.push(...renderBuild(b), '');
  if (!failed) lines.push(...installLines(f.builds));
  return {
    to: [audience.listAddress],
    cc: failed ? [...audience.failureRecipients] : [],
    subject: `[patchferry] ${f.project}/${f.branch} at ${short(f.commit)}: ${failed ? 'build failed' : 'built'}`,
    inReplyTo: null,
    references: [],
    body: `${lines.join('\n').trimEnd()}\n\n-- \npatchferry\n`,
  };
}

function releasedBy(r: SeriesFacts['released']): string[] {
  if (!r) return [];
  return [
    `It was held for a maintainer and released by ${oneLine(r.by, 200)} at ${r.at.slice(0, 10)} ${r.at.slice(11, 16)} UTC.`,
    '',
  ];
}

function notAuthenticated(notes: readonly string[]): string[] {
  if (notes.length === 0) return [];
  return ['Not authenticated (the project prefers proof of the sender):', ...notes.map((n) => `  ${n}`), ''];
}

/** How to add the published repositories, one per platform (each platform has its own .repo file
 * and its own dnf), with a blank line after; nothing when nothing was published. */
export function installLines(builds: readonly BuildFacts[]): string[] {
  const repos = new Map<string, BuildFacts>();
  for (const b of builds) if (b.repoFileUrl && !repos.has(b.platform)) repos.set(b.platform, b);
  if (repos.size === 0) return [];
  const one = repos.size === 1;
  const lines = [
    one
      ? 'To install with dnf, add the repository:'
      : 'To install with dnf, add the repository of your platform:',
  ];
  for (const [platform, b] of repos)
    for (const line of addRepoLines(b.dist, b.repoFileUrl ?? ''))
      lines.push(one ? `  ${line}` : `  ${platform}: ${line}`);
  return [...lines, ''];
}

function renderBuild(b: BuildFacts): string[] {
  if (!b.ok) {
    return [
      `Build for ${b.platform} (${b.arch}) FAILED${b.error ? `: ${b.error}` : ''}`,
      ...(b.errorLines?.length ? ['  errors:', ...b.errorLines.map((l) => `    ${l}`)] : []),
      ...(b.logPath ? [`  log: ${b.logPath}`] : []),
      ...(b.logTail ? ['  last lines of the log:', ...indent(b.logTail, '    ')] : []),
    ];
  }
  return [
    `Build for ${b.platform} (${b.arch}) succeeded:`,
    ...b.rpms.map((r) => `  ${r}`),
    ...(b.repoUrl ? [`  repository: ${b.repoUrl}`] : ['  (not published yet)']),
    ...(b.logPath ? [`  log: ${b.logPath}`] : []),
    ...(b.skipped ?? []).map((s) => `  ${s.arch} not built: ${s.reason}`),
    ...(b.checks ? checkLines(b.checks) : []),
  ];
}

/** The mail a notice answers: threaded under it, addressed to its sender. */
export interface AnsweredMail {
  readonly subject: string;
  readonly sender: { readonly name: string; readonly address: string };
  readonly messageId: string;
  readonly references: readonly string[];
}

export interface RejectionFacts extends AnsweredMail {
  readonly reason: string;
  /** Why it was refused: it names no known repository or branch (the default), or the series is
   * larger than the limits allow. Each gets its own advice. */
  readonly kind?: 'not-routed' | 'too-large';
}

/** The reply to a sender whose patch names no known repository or branch, or whose series is
 * larger than limits.partsPerSeries or limits.diffBytes allow. */
export function renderRejection(r: RejectionFacts): ReportMessage {
  const tooLarge = r.kind === 'too-large';
  return threadedReply({
    outcome: tooLarge ? 'too large' : 'not routed',
    subject: r.subject,
    messageId: r.messageId,
    references: r.references,
    to: [r.sender.address],
    cc: [],
    lines: [
      `Hello${r.sender.name ? ` ${oneLine(r.sender.name, 200)}` : ''},`,
      '',
      tooLarge ? 'patchferry did not take your series' : 'patchferry could not route your mail',
      `  ${oneLine(r.subject)}`,
      `because ${r.reason}.`,
      '',
      ...(tooLarge
        ? [
            'Nothing was applied. Please split it into smaller series, or ask the',
            "list's maintainers whether the limit should be raised.",
          ]
        : [
            'Nothing was applied. Please send it again with a subject tag that names the',
            'repository and branch, for example:',
            '  [master PATCH <repo>] subject',
            '  [PATCH <repo>/<branch> v2 1/3] subject',
          ]),
    ],
  });
}

function short(sha: string): string {
  return sha.slice(0, 12);
}

function indent(text: string, prefix = '  '): string[] {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => `${prefix}${l}`);
}

export interface IncompleteFacts extends AnsweredMail {
  readonly received: readonly number[];
  readonly total: number;
  readonly graceHours: number;
}

/** The reply on a series whose missing parts did not arrive within the grace period. */
export function renderIncomplete(f: IncompleteFacts, audience: Audience): ReportMessage {
  const missing = missingParts(f.received, f.total);
  return threadedReply({
    outcome: 'incomplete',
    subject: f.subject,
    messageId: f.messageId,
    references: f.references,
    to: [audience.listAddress],
    cc: [f.sender.address],
    lines: [
      `patchferry received ${f.received.length} of ${f.total} patches of this series from ${formatAddress(f.sender)},`,
      `and parts ${missing} did not arrive within ${f.graceHours} hours.`,
      '',
      'Nothing of this series was applied. Please send the whole series again.',
    ],
  });
}

/** The parts of 1..total not received, in words: "2, 3", with runs of three or more as "5-99".
 * Work and text grow with the parts received, never with the total a subject claims. */
export function missingParts(received: readonly number[], total: number): string {
  const have = [...new Set(received)].filter((p) => p >= 1 && p <= total).sort((a, b) => a - b);
  const runs: string[] = [];
  let next = 1;
  for (const p of [...have, total + 1]) {
    if (p > next)
      runs.push(
        p - next >= 3 ? `${next}-${p - 1}` : Array.from({ length: p - next }, (_, i) => next + i).join(', '),
      );
    next = p + 1;
  }
  return runs.join(', ');
}

/** A reply threaded to the mail it is about, its subject saying the outcome, signed by patchferry. */
export function threadedReply(r: {
  outcome: string;
  subject: string;
  messageId: string;
  references: readonly string[];
  to: readonly string[];
  cc: readonly string[];
  lines: readonly string[];
}): ReportMessage {
  return {
    to: r.to,
    cc: r.cc,
    subject: `Re: ${oneLine(r.subject).replace(/^(re:\s*)+/i, '')} (patchferry: ${r.outcome})`,
    inReplyTo: r.messageId,
    references: [...r.references, r.messageId],
    body: `${r.lines.join('\n').trimEnd()}\n\n-- \npatchferry\n`,
  };
}

/** What the failure recipients are told when a unit of work failed for good. */
export interface DeadUnitFacts {
  readonly key: string;
  readonly kind: string;
  readonly attempts: number;
  readonly code: string;
  readonly message: string;
}

/** The notice of a unit of work patchferry gave up on: what it was, how often it was tried, why;
 * with `others`, the units given up on later for the same reason (one notice for a cause, not one
 * per unit: a branch missing from the repository gives up every series sent to it). */
export function renderDeadUnit(
  f: DeadUnitFacts,
  audience: Audience,
  others: readonly { readonly key: string; readonly kind: string }[] = [],
): ReportMessage | null {
  if (audience.failureRecipients.length === 0) return null;
  const shown = others.slice(0, DEAD_UNITS_LISTED);
  return {
    to: [...audience.failureRecipients],
    cc: [],
    subject: (others.length === 0
      ? `[patchferry] gave up: ${f.kind} ${f.key}`
      : `[patchferry] gave up: ${f.kind} ${f.key} and ${others.length} more unit(s), for one reason`
    ).slice(0, 200),
    inReplyTo: null,
    references: [],
    body: [
      `patchferry gave up on a unit of work after ${f.attempts} attempt(s):`,
      '',
      `  unit:   ${f.key} (${f.kind})`,
      `  reason: ${f.code}`,
      '',
      ...indent(f.message),
      '',
      ...(others.length === 0
        ? []
        : [
            `It gave up on ${others.length} more for the same reason:`,
            '',
            ...shown.map((o) => `  ${o.key} (${o.kind})`),
            ...(others.length > shown.length ? [`  … and ${others.length - shown.length} more`] : []),
            '',
          ]),
      'patchferry does not try it again by itself. Fix the cause, then run',
      '',
      `  patchferry retry ${f.key}`,
      '',
      '(or "patchferry retry" for every unit given up on): the next run of its stage,',
      'or the running daemon, takes it up again.',
    ].join('\n'),
  };
}

/** Units a notice names one by one; the rest are counted. */
const DEAD_UNITS_LISTED = 100;
