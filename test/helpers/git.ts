import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

let clock = Date.UTC(2026, 0, 1) / 1000;

/** Runs git in `cwd` with fixed, increasing dates (the configuration is isolated for the whole run,
 * see vitest.config.ts). */
export function git(
  cwd: string,
  args: readonly string[],
  who = { name: 'Tess Tester', email: 'tess@example.org' },
): string {
  clock += 60;
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: who.name,
      GIT_AUTHOR_EMAIL: who.email,
      GIT_COMMITTER_NAME: who.name,
      GIT_COMMITTER_EMAIL: who.email,
      GIT_AUTHOR_DATE: `${clock} +0000`,
      GIT_COMMITTER_DATE: `${clock} +0000`,
    },
  });
}

/** A work repository on `master` with one commit holding `files`. */
export function makeRepo(dir: string, files: Record<string, string>): string {
  mkdirSync(dir, { recursive: true });
  git(dir, ['init', '-q', '-b', 'master']);
  commitFiles(dir, 'initial', files);
  return dir;
}

export function commitFiles(
  dir: string,
  message: string,
  files: Record<string, string>,
  who?: { name: string; email: string },
): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  git(dir, ['add', '-A'], who);
  git(dir, ['commit', '-q', '-m', message], who);
}

/** `git format-patch` of the last `count` commits, as raw mails in order. */
export function formatPatches(dir: string, count: number, extra: readonly string[] = []): Buffer[] {
  const out = git(dir, [
    'format-patch',
    '--thread=shallow',
    '--to=list@example.org',
    '--stdout',
    `-${count}`,
    ...extra,
  ]);
  return splitStdout(out);
}

function splitStdout(mbox: string): Buffer[] {
  return mbox
    .split(/^(?=From [0-9a-f]{40} Mon Sep 17 00:00:00 2001$)/m)
    .filter((m) => m.trim() !== '')
    .map((m) => Buffer.from(m));
}

let sending = 0;

/** A number for one sending, for callers that rewrite its mails one at a time with `uniqueIds`. */
export function nextSending(): number {
  return ++sending;
}

/** git format-patch makes Message-IDs from the wall clock in seconds, so two sendings within one
 * second share them (and the second is rightly taken for the first). Each sending in a test gets
 * its own, as two real sendings seconds apart do. */
export function uniqueIds(mails: string, n: number = ++sending): string {
  return mails.replace(/\.(\d+)\.git\.([^>\s]+)>/g, `.$1.s${n}.git.$2>`);
}
