import { describe, expect, it } from 'vitest';
import { applyHunks, parseGitDiff } from '../../src/git/git-diff.ts';

describe('the fast path on a huge hunk', () => {
  it('applies a hunk of 200,000 lines without overflowing the stack', () => {
    const n = 200_000;
    const old = Array.from({ length: n }, (_, i) => `line ${i}\n`).join('');
    const hunk = Array.from({ length: n }, (_, i) => `-line ${i}\n+LINE ${i}\n`).join('');
    const patch = `diff --git a/big.txt b/big.txt\nindex 1111111..2222222 100644\n--- a/big.txt\n+++ b/big.txt\n@@ -1,${n} +1,${n} @@\n${hunk}`;
    const parsed = parseGitDiff(patch);
    if ('unsupported' in parsed) throw new Error(parsed.unsupported);
    const [file] = parsed.files;
    expect(file?.hunks[0]?.lines).toHaveLength(2 * n);
    const result = applyHunks(old, file?.hunks ?? []);
    expect(result?.length).toBe(old.length);
    expect(result?.startsWith('LINE 0\nLINE 1\n')).toBe(true);
    expect(result?.endsWith(`LINE ${n - 1}\n`)).toBe(true);
  });
});
