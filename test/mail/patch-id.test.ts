import { describe, expect, it } from 'vitest';
import { patchId } from '../../src/mail/patch-id.ts';

const diff =
  'diff --git a/d.c b/d.c\nindex 1111111..2222222 100644\n--- a/d.c\n+++ b/d.c\n@@ -1,3 +1,3 @@\n one\n-old\n+new\n three\n';

describe('patch ids', () => {
  it('are the same for a patch sent with or without a signature and blank lines after it', () => {
    const id = patchId(`${diff}-- \n2.47.1\n\n`);
    expect(patchId(diff)).toBe(id);
    expect(patchId(`${diff}\n\n`)).toBe(id);
    expect(patchId(`${diff}\n-- \n2.39.5\n`)).toBe(id);
  });

  it('differ when a line of the change differs, ignoring line numbers and blob ids', () => {
    expect(patchId(diff.replace('+new', '+newer'))).not.toBe(patchId(diff));
    expect(patchId(diff.replace('@@ -1,3 +1,3 @@', '@@ -10,3 +10,3 @@').replace('1111111', 'abcdef0'))).toBe(
      patchId(diff),
    );
  });
});
