import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitApplier } from '../../src/git/applier.ts';
import { GitMirror } from '../../src/git/mirror.ts';
import { silentLogger } from '../../src/shared/log.ts';

/** The committer both sides write: git am's from the environment, patchferry's configured. */
const COMMITTER = { GIT_COMMITTER_NAME: 'patchferry', GIT_COMMITTER_EMAIL: 'patchferry@localhost' };

function run(cwd: string, args: readonly string[], env: Record<string, string> = {}): Buffer {
  return execFileSync('git', args, {
    cwd,
    env: { ...process.env, ...COMMITTER, ...env },
    maxBuffer: 1 << 28,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** `git format-patch --stdout base..tip` of `repo` (a work tree or a bare repository), as raw mails
 * in order, every byte as git wrote it. */
export function formatPatchMails(repo: string, base: string, tip: string): Buffer[] {
  return run(repo, ['format-patch', '--stdout', `${base}..${tip}`])
    .toString('latin1')
    .split(/^(?=From [0-9a-f]{40} Mon Sep 17 00:00:00 2001$)/m)
    .filter((m) => m !== '')
    .map((m) => Buffer.from(m, 'latin1'));
}

/** The newest stretches of `window` commits of the first-parent history of `tip` with no merge
 * in them, newest first, each as [base, ...commits oldest first]. */
export function linearWindows(repo: string, tip: string, window: number): string[][] {
  const lines = run(repo, ['rev-list', '--first-parent', '--parents', tip]).toString().trim().split('\n');
  const out: string[][] = [];
  let stretch: string[] = [];
  for (const line of lines) {
    const [sha, ...parents] = line.split(' ');
    if (!sha || parents.length !== 1) {
      stretch = [];
      continue;
    }
    stretch.push(sha);
    if (stretch.length === window) {
      out.push([parents[0] as string, ...stretch.reverse()]);
      stretch = [];
    }
  }
  return out;
}

/** What one side made of a series: the commits, oldest first, and the part it stopped at (1-based),
 * or null when every part applied. */
export interface SideResult {
  readonly commits: readonly string[];
  readonly failedPart: number | null;
}

/**
 * What each side makes of `mails` on `base` of the bare repository `upstream`: patchferry's applier
 * (its fast path, or git am where it declines), reproducible as in merge-request mode (committer
 * date = author date), against `git am --3way --committer-date-is-author-date` in a checkout.
 * Where git am stops at a part, patchferry must stop at the same part, and the parts before it
 * are applied by patchferry alone to compare their commits.
 */
export async function bothSides(
  dir: string,
  upstream: string,
  base: string,
  mails: readonly Buffer[],
  name: string,
): Promise<{ patchferry: SideResult; gitAm: SideResult }> {
  const checkout = join(dir, `am-${name}`);
  run(dir, ['clone', '-q', '--shared', '--no-checkout', upstream, checkout]);
  run(checkout, ['checkout', '-q', '--detach', base]);
  let failedPart: number | null = null;
  for (const [i, mail] of mails.entries()) {
    const file = join(dir, `${name}-${i}.eml`);
    writeFileSync(file, mail);
    try {
      run(checkout, ['am', '--3way', '--quiet', '--committer-date-is-author-date', file]);
    } catch {
      failedPart = i + 1;
      run(checkout, ['am', '--abort']);
      break;
    }
  }
  const gitAm = { commits: commitsOf(checkout, base, 'HEAD'), failedPart };

  const applier = new GitApplier({
    mirror: new GitMirror({ workDir: join(dir, `pf-${name}`) }),
    committer: { name: COMMITTER.GIT_COMMITTER_NAME, email: COMMITTER.GIT_COMMITTER_EMAIL },
    log: silentLogger(),
  });
  run(upstream, ['update-ref', `refs/heads/base-${name}`, base]);
  const apply = async (list: readonly Buffer[], work: string) =>
    applier.apply({
      project: 'p',
      gitUrl: upstream,
      branch: `base-${name}`,
      workName: work,
      patches: list.map((raw, i) => ({ part: i + 1, subject: `patch ${i + 1}`, raw, trailers: [] })),
      pushTo: { branch: `pf/${work}`, force: true },
      reproducible: true,
    });
  const whole = await apply(mails, name);
  if (whole.ok)
    return { gitAm, patchferry: { commits: commitsOf(upstream, base, whole.head), failedPart: null } };
  const before =
    failedPart === null || failedPart < 2
      ? null
      : await apply(mails.slice(0, failedPart - 1), `${name}-before`);
  return {
    gitAm,
    patchferry: {
      commits: before?.ok ? commitsOf(upstream, base, before.head) : [],
      failedPart: whole.failedPart,
    },
  };
}

function commitsOf(repo: string, base: string, head: string): string[] {
  return run(repo, ['rev-list', '--reverse', `${base}..${head}`])
    .toString()
    .trim()
    .split('\n')
    .filter(Boolean);
}
