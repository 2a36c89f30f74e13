import { describe, expect, it } from 'vitest';
import { commitMessage, findDiff, findPullRequest, findTrailers } from '../../src/mail/body.ts';

const DIFF = 'diff --git a/x b/x\nindex 1..2 100644\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n';

describe('message bodies', () => {
  it('finds a git diff and the message above the --- line', () => {
    const text = `Fix the thing.\n\nSigned-off-by: A <a@x>\n---\n x | 2 +-\n\n${DIFF}`;
    expect(findDiff(text)?.startsWith('diff --git a/x b/x')).toBe(true);
    expect(commitMessage(text)).toBe('Fix the thing.\n\nSigned-off-by: A <a@x>');
  });

  it('finds a bare ---/+++ diff and hunk-less git diffs', () => {
    expect(findDiff('text\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n')).not.toBeNull();
    expect(
      findDiff('diff --git a/x b/y\nsimilarity index 100%\nrename from x\nrename to y\n'),
    ).not.toBeNull();
    expect(findDiff('diff --git a/x b/x\nold mode 100644\nnew mode 100755\n')).not.toBeNull();
  });

  it('does not take prose mentioning diff for a diff', () => {
    expect(findDiff('I ran diff --git on it and\n--- nothing else\n')).toBeNull();
  });

  it('collects trailers but not quoted ones', () => {
    const trailers = findTrailers(
      '> Reviewed-by: Quoted <q@x>\nLooks good.\n\nReviewed-by: Rita Reviewer <Rita@Example.org>\nTested-by: t@x\n',
    );
    expect(trailers).toEqual([
      { key: 'Reviewed-by', value: 'Rita Reviewer <Rita@Example.org>', address: 'rita@example.org' },
      { key: 'Tested-by', value: 't@x', address: 't@x' },
    ]);
  });

  it('reads a pull request, with its URL and ref wrapped over two lines', () => {
    const text = [
      'The following changes since commit 1234:',
      '',
      '  x (2019-01-01)',
      '',
      'are available in the Git repository at:',
      '',
      '  https://git.kernel.org/pub/scm/linux/kernel/git/matthias.bgg/linux.git/',
      '  tags/v5.4-next-soc',
      '',
      'for you to fetch changes up to 5678:',
    ].join('\n');
    expect(findPullRequest(text)).toEqual({
      url: 'https://git.kernel.org/pub/scm/linux/kernel/git/matthias.bgg/linux.git/',
      ref: 'tags/v5.4-next-soc',
    });
  });

  it('reads a one-line pull request URL with trailing spaces', () => {
    const text =
      'The following changes since commit 1:\n\nare available in the git repository at:\n\n  git://host/repo.git next   \n\nfor you to fetch changes up to 2:\n';
    expect(findPullRequest(text)).toEqual({ url: 'git://host/repo.git', ref: 'next' });
  });
});
