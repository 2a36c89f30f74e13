import { renderBuildNote } from './merge-request.ts';
import type { BuildFacts } from './report.ts';

/** Where one target's build of the branch stands. */
export interface TargetProgress {
  readonly platform: string;
  readonly arch: string;
  readonly state: 'waiting' | 'building' | 'failed' | 'built' | 'published';
  /** Why it failed ("patch: …", "infrastructure, retried 2 times: …"), when it did. */
  readonly detail?: string | null;
}

/** What the status note of one series version says: how far the series has come. */
export interface StatusFacts {
  readonly seriesId: string;
  readonly version: number;
  readonly patches: number;
  readonly sourceBranch: string;
  readonly targetBranch: string;
  /** The commit pushed to the source branch. */
  readonly head: string | null;
  /** The commit the merge made, once merged. */
  readonly merged: string | null;
  /** The branch tip being built (it contains the merge), once the build stage took it. */
  readonly buildCommit: string | null;
  readonly targets: readonly TargetProgress[];
  /** Scratch builds of the merge request's head (projects.<p>.prebuild), one per target. */
  readonly prebuilds?: readonly TargetProgress[];
  /** Every target's build finished and the successful ones are published: the full table. */
  readonly finished: readonly BuildFacts[] | null;
  /** Where the archive of the day's patches keeps the merged series' mails, once filed. */
  readonly archiveUrl?: string | null;
}

/** The hidden marker that finds the status note of a series version among the MR's comments. */
export function statusMarker(seriesId: string, version: number): string {
  return `patchferry-status ${JSON.stringify({ series: seriesId, version })}`;
}

/**
 * The one note per series version that patchferry keeps on the MR and edits as the series moves:
 * received → applied → merged → built, per target → published. Plain Markdown: a task list a
 * reviewer reads at a glance, and the build table once every target finished.
 */
export function renderStatusNote(f: StatusFacts): string {
  const box = (done: boolean) => (done ? '[x]' : '[ ]');
  const built = f.targets.filter((t) => t.state === 'built' || t.state === 'published');
  const published = f.targets.filter((t) => t.state === 'published');
  const lines = [
    `**patchferry status**, version ${f.version} of this series`,
    '',
    `- ${box(true)} received: ${f.patches} patch${f.patches === 1 ? '' : 'es'}`,
    `- ${box(f.head !== null)} applied${f.head ? `: ${f.head.slice(0, 12)} on \`${f.sourceBranch}\`` : ''}`,
    ...prebuildLines(f.prebuilds ?? []),
    `- ${box(f.merged !== null)} merged${f.merged ? ` into \`${f.targetBranch}\` as ${f.merged.slice(0, 12)}` : ': waiting for a reviewer'}`,
    ...(f.archiveUrl ? [`- [x] archived with the day's patches: ${f.archiveUrl}`] : []),
    `- ${box(f.targets.length > 0 && built.length === f.targets.length)} built${progress(f.targets)}`,
    `- ${box(f.targets.length > 0 && published.length === f.targets.length)} published`,
  ];
  if (f.finished && f.buildCommit)
    lines.push('', renderBuildNote({ commit: f.buildCommit, branch: f.targetBranch, builds: f.finished }));
  lines.push('', `<!-- ${statusMarker(f.seriesId, f.version)} -->`);
  return lines.join('\n');
}

/** One line per target: whether this version builds, before anyone merges it. */
function prebuildLines(prebuilds: readonly TargetProgress[]): string[] {
  if (prebuilds.length === 0) return [];
  const built = prebuilds.every((t) => t.state === 'built');
  return [
    `- ${built ? '[x]' : '[ ]'} scratch builds of this version:`,
    ...prebuilds.map((t) => `  - ${t.platform} (${t.arch}): ${t.state}${t.detail ? `: ${t.detail}` : ''}`),
  ];
}

function progress(targets: readonly TargetProgress[]): string {
  if (targets.length === 0) return '';
  return `: ${targets.map((t) => `${t.platform} (${t.arch}) ${t.state}`).join(', ')}`;
}

/** A note body with its hidden marker, so that a retry finds it among the MR's comments. */
export function markedNote(body: string, marker: string): string {
  return `${body}\n\n<!-- patchferry-note ${JSON.stringify(marker)} -->`;
}

/** Whether a comment carries `marker` (as markedNote or renderStatusNote wrote it). */
export function hasMarker(comment: string, marker: string): boolean {
  return (
    comment.includes(`<!-- patchferry-note ${JSON.stringify(marker)} -->`) ||
    comment.includes(`<!-- ${marker} -->`)
  );
}
