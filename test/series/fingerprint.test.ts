import { describe, expect, it } from 'vitest';
import { seriesFingerprint } from '../../src/series/fingerprint.ts';

const diff = (index: string, at: string, line: string, signature: string) =>
  `diff --git a/README b/README\nindex ${index} 100644\n--- a/README\n+++ b/README\n@@ ${at} @@ intro\n hello\n-old\n+${line}\n-- \n${signature}\n`;

describe('series fingerprint', () => {
  it('is the same for the same changes resent on another base, by another git', () => {
    expect(seriesFingerprint([diff('1111111..2222222', '-1,2 +1,2', 'new', '2.39.5')])).toBe(
      seriesFingerprint([diff('3333333..4444444', '-10,2 +10,2', 'new ', '2.47.1')]),
    );
  });

  it('differs when a line, a file or the order of the patches differs', () => {
    const a = diff('1..2', '-1 +1', 'new', '2.39.5');
    const b = diff('1..2', '-1 +1', 'newer', '2.39.5');
    expect(seriesFingerprint([a])).not.toBe(seriesFingerprint([b]));
    expect(seriesFingerprint([a, b])).not.toBe(seriesFingerprint([b, a]));
    expect(seriesFingerprint([a])).not.toBe(seriesFingerprint([a.replaceAll('README', 'NEWS')]));
  });
});
