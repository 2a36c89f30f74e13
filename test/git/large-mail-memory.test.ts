import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** One step on a mail with a 24 MB attachment, in a process of its own: its size, and how much
 * the process's peak RSS grew (bytes). */
function peak(step: string): { size: number; grew: number } {
  const out = execFileSync(process.execPath, ['test/helpers/large-mail-peak.ts', step, '24'], {
    encoding: 'utf8',
  });
  return JSON.parse(out) as { size: number; grew: number };
}

describe('a mail with a large attachment', () => {
  // Strings of the whole mail, regular expressions over them and their copies held a 7 MB mail
  // several times at once: sync peaked at 235 MB for one such mail.
  it('is read, checked and readied for git am without a copy of it', () => {
    for (const step of ['parse', 'malformation', 'amCommit', 'amReadyMail']) {
      const { size, grew } = peak(step);
      expect(grew, step).toBeLessThan(size / 2);
    }
  });

  it('is written into an mbox (git am, the archive) as one copy of it', () => {
    for (const step of ['amMailbox', 'writeMboxrd']) {
      const { size, grew } = peak(step);
      expect(grew, step).toBeLessThan(size * 1.5);
    }
  });
});
