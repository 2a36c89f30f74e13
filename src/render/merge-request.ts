import { z } from 'zod';
import { formatAddress, type Address } from '../mail/mail.ts';
import { checkNote } from './checks.ts';
import { installLines, type BuildFacts } from './report.ts';
import { oneLine } from './one-line.ts';

/** The text of merge requests and their comments: plain values in, Markdown out. Pure. */

export interface MergeRequestFacts {
  readonly seriesId: string;
  readonly title: string;
  readonly version: number;
  readonly sender: Address;
  /** The cover letter's text, or the single patch's commit message; null when there is neither. */
  readonly summary: string | null;
  readonly patches: readonly {
    readonly part: number;
    readonly subject: string;
    readonly messageId: string;
  }[];
  /** Every Message-ID of the thread patchferry took the series from (cover first). */
  readonly messageIds: readonly string[];
  /** Template with {messageId}, or undefined when the list has no archive to link to. */
  readonly archiveUrl?: string | undefined;
  /** Why the series was not applied where it asked to be (its base-commit was unknown). */
  readonly baseNote: string | null;
  /** Under trust.authenticity prefer: the mails that did not prove their sender. */
  readonly authenticity?: readonly string[];
  /** What a job with no database needs to report the series' build: the subject and thread of
   * the mail a report answers, and the range pushed to the source branch. */
  readonly report?: ReportFooter;
}

/** The part of the footer a CI job reads to report on the list and the MR (DESIGN.md, "State"):
 * the subject and references of the mail the report replies to (the series id's), its sender,
 * the patches' subjects by part, and the range pushed for this version. */
export interface ReportFooter {
  readonly subject: string;
  readonly from: Address;
  readonly patches: readonly string[];
  readonly references: readonly string[];
  readonly base: string;
  readonly head: string;
}

/** What the footer of an MR description says, machine-readable: enough to rebuild the link between
 * the MR and its series from the forge alone. */
export interface SeriesFooter {
  readonly series: string;
  readonly version: number;
  readonly messages: readonly string[];
  /** Absent in MRs opened before it was written, or when someone broke it. */
  readonly report?: ReportFooter;
}

const FOOTER = /<!-- patchferry-series: (\{.*\}) -->/;

/** The footer as read back: anyone who can edit the description can edit it, so every field is
 * checked, and Message-IDs that are not strings are dropped. */
const footerSchema = z.object({
  series: z.string(),
  version: z.number(),
  messages: z.array(z.unknown()).transform((list) => list.filter((m): m is string => typeof m === 'string')),
  // A broken report part costs the CI job's report, never the link between the MR and its series.
  report: z
    .object({
      subject: z.string(),
      from: z.object({ name: z.string(), address: z.string() }),
      patches: z.array(z.string()),
      references: z.array(z.string()),
      base: z.string().regex(/^[0-9a-f]{40,64}$/),
      head: z.string().regex(/^[0-9a-f]{40,64}$/),
    })
    .optional()
    .catch(undefined),
});

const TITLE_MAX = 255;

export function renderMergeRequest(f: MergeRequestFacts): { title: string; description: string } {
  const link = (id: string) => archiveLink(f.archiveUrl, id);
  const lines: string[] = [];
  if (f.summary?.trim()) lines.push(f.summary.trim(), '');
  lines.push(
    `Sent by ${formatAddress(f.sender)} to the list${f.version > 1 ? ` (version ${f.version})` : ''}.`,
  );
  const thread = link(f.seriesId);
  if (thread) lines.push(`Thread: ${thread}`);
  if (f.baseNote) lines.push('', `> **Note:** ${f.baseNote}.`);
  for (const note of f.authenticity ?? [])
    lines.push('', `> **Not authenticated:** ${escapeMarkdown(note)}.`);
  lines.push('', `Patches (${f.patches.length}):`, '');
  for (const p of f.patches) {
    const at = link(p.messageId);
    lines.push(`${p.part}. ${escapeMarkdown(p.subject)}${at ? ` ([mail](${at}))` : ''}`);
  }
  const footer: SeriesFooter = {
    series: f.seriesId,
    version: f.version,
    messages: f.messageIds,
    ...(f.report ? { report: f.report } : {}),
  };
  lines.push('', '---', 'Opened by patchferry from the mailing list; new versions of the series update it.');
  // `<` and `>` escaped: a subject holding "-->" must not end the hidden comment (JSON reads them back).
  const json = JSON.stringify(footer).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
  lines.push(`<!-- patchferry-series: ${json} -->`);
  // GitLab refuses a title over 255 characters (GitHub 256), and a subject can be longer.
  return { title: oneLine(f.title, TITLE_MAX), description: lines.join('\n') };
}

/** The footer of a description patchferry wrote, or null for any other text. */
export function parseSeriesFooter(description: string): SeriesFooter | null {
  const match = FOOTER.exec(description);
  if (!match?.[1]) return null;
  try {
    const found = footerSchema.safeParse(JSON.parse(match[1]));
    return found.success ? found.data : null;
  } catch {
    return null;
  }
}

/** What the readable part of a description renderMergeRequest wrote says of its series: the
 * sender ("Sent by … to the list") and the patches' subjects ("Patches (N):", then "1. subject",
 * markdown escapes undone). For MRs whose footer has no report part (opened by a patchferry from
 * before it); null when either is missing. */
export function parseDescription(
  description: string,
): { readonly sender: { name: string; address: string }; readonly patches: readonly string[] } | null {
  const lines = description.split('\n');
  const at = lines.findIndex((l) => /^Patches \(\d+\):$/.test(l));
  // The last such line above the patches: the cover letter's text, quoted first, may hold one.
  const sent = lines
    .slice(0, Math.max(0, at))
    .map((l) => /^Sent by (.+?) to the list(?: \(version \d+\))?\.$/.exec(l)?.[1])
    .findLast((s) => s !== undefined);
  const named = sent === undefined ? null : /^(.*) <([^<>\s]+@[^<>\s]+)>$/.exec(sent);
  const sender = named
    ? { name: named[1] ?? '', address: named[2] ?? '' }
    : sent !== undefined && /^[^<>\s]+@[^<>\s]+$/.test(sent)
      ? { name: '', address: sent }
      : null;
  if (!sender || at < 0) return null;
  const patches: string[] = [];
  for (const line of lines.slice(at + 1)) {
    if (line === '' && patches.length === 0) continue;
    const item = /^(\d+)\. (.*?)(?: \(\[mail\]\([^()]*\)\))?$/.exec(line);
    if (!item || Number(item[1]) !== patches.length + 1) break;
    patches.push((item[2] ?? '').replace(/\\([\\`*_[\]<>])/g, '$1'));
  }
  return patches.length > 0 ? { sender, patches } : null;
}

/** The comment on an MR when a new version of its series replaces the branch. */
export function renderNewVersion(f: {
  readonly version: number;
  readonly patches: number;
  readonly rangeDiff: string | null;
  readonly baseNote: string | null;
}): string {
  const lines = [
    `**v${f.version} posted** (${f.patches} patch${f.patches === 1 ? '' : 'es'}); the branch now holds it.`,
  ];
  if (f.baseNote) lines.push('', `> **Note:** ${f.baseNote}.`);
  if (f.rangeDiff !== null) {
    lines.push(
      '',
      f.rangeDiff.trim() === ''
        ? 'No change in the patches since the previous version (rebased only).'
        : 'Changes since the previous version (`git range-diff`):',
    );
    if (f.rangeDiff.trim() !== '') lines.push('', '```diff', f.rangeDiff.trimEnd(), '```');
  }
  return lines.join('\n');
}

/** The comment on an MR closed because a new version of the series went to another branch. */
export function renderSuperseded(f: {
  readonly version: number;
  readonly targetBranch: string;
  readonly url: string;
}): string {
  return `Superseded: version ${f.version} of this series targets \`${f.targetBranch}\` and is proposed in ${f.url}. Closing this one.`;
}

/** The comment on an open MR when a new version of its series does not apply. */
export function renderVersionFailed(f: {
  readonly version: number;
  readonly failedPart: number;
  readonly failedSubject: string;
  readonly output: string;
}): string {
  return [
    `**v${f.version} was posted but does not apply**: patch ${f.failedPart} (${escapeMarkdown(f.failedSubject)}) failed; this MR still holds the previous version.`,
    '',
    '```',
    f.output.trim(),
    '```',
  ].join('\n');
}

/** The commit status of one target's build: its name (one per platform, side by side on the
 * commit), state, and a description within GitHub's 140 characters. */
export function renderBuildStatus(b: BuildFacts): {
  state: 'success' | 'failed';
  name: string;
  description: string;
  url?: string;
} {
  return {
    state: b.ok ? 'success' : 'failed',
    name: `patchferry/rpm/${b.platform}`,
    description: b.ok
      ? `${b.rpms.length} RPM${b.rpms.length === 1 ? '' : 's'} built`
      : (b.error ?? 'build failed').slice(0, 140),
    // A failed build's link is its log: that is where a reader finds why.
    ...(b.repoUrl ? { url: b.repoUrl } : !b.ok && b.logPath ? { url: b.logPath } : {}),
  };
}

/** The comment on an MR once a reviewer merged it. */
export function renderMerged(f: {
  readonly commit: string;
  readonly branch: string;
  readonly platforms: readonly string[];
}): string {
  return `Merged as ${f.commit.slice(0, 12)}. patchferry builds \`${f.branch}\` for ${f.platforms.join(', ')} next; the results will be reported here and on the list.`;
}

/** The comment on a merged MR once every platform's build of the branch that contains it finished:
 * where the RPMs are, or what failed with the end of its log. */
export function renderBuildNote(f: {
  readonly commit: string;
  readonly branch: string;
  readonly builds: readonly BuildFacts[];
}): string {
  const ok = f.builds.every((b) => b.ok);
  const lines = [
    `**${ok ? 'Built' : 'Build failed'}**: \`${f.branch}\` at ${f.commit.slice(0, 12)}, which contains this merge request.`,
    '',
    '| Platform | Result | Repository |',
    '| --- | --- | --- |',
    ...f.builds.map(
      (b) =>
        `| ${b.platform} (${b.arch}) | ${b.ok ? `${b.rpms.length} RPM${b.rpms.length === 1 ? '' : 's'}` : `**failed**${b.error ? `: ${escapeMarkdown(b.error)}` : ''}`} | ${b.repoUrl ?? (b.ok ? 'not published yet' : b.logPath ? `[build log](${b.logPath})` : '')} |`,
    ),
  ];
  const install = ok ? installLines(f.builds) : [];
  if (install.length > 0)
    lines.push('', 'Install with dnf:', '', '```', ...install.slice(1, -1).map((l) => l.trim()), '```');
  lines.push(...checkNote(f.builds));
  for (const b of f.builds.filter((x) => !x.ok && x.logTail)) {
    lines.push(
      '',
      `<details><summary>End of the ${b.platform} build log${b.logPath ? ` (${escapeMarkdown(b.logPath)})` : ''}</summary>`,
      '',
      '```',
      b.logTail?.trimEnd() ?? '',
      '```',
      '</details>',
    );
  }
  return lines.join('\n');
}

function archiveLink(template: string | undefined, messageId: string): string | null {
  return template ? template.replaceAll('{messageId}', encodeURIComponent(messageId)) : null;
}

function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_[\]<>])/g, '\\$1');
}
