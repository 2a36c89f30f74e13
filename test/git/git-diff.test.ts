import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { applyBinary, applyHunks, parseGitDiff, type FileDiff } from '../../src/git/git-diff.ts';

const files = (patch: string): readonly FileDiff[] => {
  const parsed = parseGitDiff(patch);
  if ('unsupported' in parsed) throw new Error(parsed.unsupported);
  return parsed.files;
};

const MODIFY = [
  '---',
  ' a.txt | 2 +-',
  '',
  'diff --git a/a.txt b/a.txt',
  'index 5626abf..f719efd 100644',
  '--- a/a.txt',
  '+++ b/a.txt',
  '@@ -1,3 +1,3 @@',
  ' one',
  '-two',
  '+2',
  ' three',
  '-- ',
  '2.39.5',
  '',
].join('\n');

describe('reading the diffs of a patch', () => {
  it('reads names, blob ids, modes and hunks, and skips the diffstat and signature around them', () => {
    expect(files(MODIFY)).toEqual([
      {
        oldPath: 'a.txt',
        newPath: 'a.txt',
        copy: false,
        oldMode: '100644',
        newMode: '100644',
        oldId: '5626abf',
        newId: 'f719efd',
        binary: null,
        hunks: [
          {
            oldStart: 1,
            oldCount: 3,
            lines: [
              { op: ' ', text: 'one', eol: true },
              { op: '-', text: 'two', eol: true },
              { op: '+', text: '2', eol: true },
              { op: ' ', text: 'three', eol: true },
            ],
          },
        ],
      },
    ]);
  });

  it('reads new, deleted, renamed and mode-only changes', () => {
    const patch = [
      'diff --git a/new.txt b/new.txt',
      'new file mode 100644',
      'index 0000000..3367afd',
      '--- /dev/null',
      '+++ b/new.txt',
      '@@ -0,0 +1 @@',
      '+old',
      'diff --git a/gone.txt b/gone.txt',
      'deleted file mode 100755',
      'index 3367afd..0000000',
      '--- a/gone.txt',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-old',
      'diff --git a/c.txt b/d/c.txt',
      'similarity index 100%',
      'rename from c.txt',
      'rename to d/c.txt',
      'diff --git a/run.sh b/run.sh',
      'old mode 100644',
      'new mode 100755',
      '',
    ].join('\n');
    expect(files(patch).map((f) => [f.oldPath, f.newPath, f.oldMode, f.newMode, f.hunks.length])).toEqual([
      [null, 'new.txt', null, '100644', 1],
      ['gone.txt', null, '100755', null, 1],
      ['c.txt', 'd/c.txt', null, null, 0],
      ['run.sh', 'run.sh', '100644', '100755', 0],
    ]);
  });

  it('says what it does not take, so git am gets the patch', () => {
    const diff = (header: string, ...rest: string[]) => parseGitDiff([header, ...rest, ''].join('\n'));
    expect(diff('diff --git "a/t\\303\\251" "b/t\\303\\251"')).toEqual({ unsupported: 'quoted file name' });
    expect(
      diff('diff --git a/x.png b/x.png', 'index 1..2 100644', 'Binary files a/x.png and b/x.png differ'),
    ).toEqual({
      unsupported: 'a binary change without its content (git diff without --binary)',
    });
    expect(diff('diff --git a/.git/config b/.git/config', '--- a/.git/config', '+++ b/.git/config')).toEqual({
      unsupported: 'file name ".git/config"',
    });
    expect(diff('diff --git x/a.txt y/a.txt', '--- x/a.txt', '+++ y/a.txt')).toEqual({
      unsupported: 'file names of x/a.txt y/a.txt',
    });
    expect(diff('diff -u a.txt.orig a.txt')).toEqual({
      unsupported: 'not a git diff: diff -u a.txt.orig a.txt',
    });
    expect(parseGitDiff('just words\n')).toEqual({ unsupported: 'no diff' });
  });
});

describe('applying hunks exactly where they say', () => {
  const hunksOf = (patch: string) => files(patch)[0]?.hunks ?? [];
  /** A diff of the file n with the hunk lines given. */
  const diffOfN = (...hunk: string[]) =>
    ['diff --git a/n b/n', 'index 1..2 100644', '--- a/n', '+++ b/n', ...hunk, ''].join('\n');

  it('replaces the lines a hunk names and keeps the rest byte for byte', () => {
    expect(applyHunks('one\ntwo\nthree\nfour\n', hunksOf(MODIFY))).toBe('one\n2\nthree\nfour\n');
  });

  it('refuses a hunk whose lines are elsewhere or different, which only git should place', () => {
    expect(applyHunks('zero\none\ntwo\nthree\n', hunksOf(MODIFY))).toBeNull();
    expect(applyHunks('one\nTWO\nthree\n', hunksOf(MODIFY))).toBeNull();
  });

  it('keeps track of a last line without a newline, on either side', () => {
    const add = diffOfN('@@ -1,2 +1,2 @@', ' first', '-last', '\\ No newline at end of file', '+last');
    expect(applyHunks('first\nlast', hunksOf(add))).toBe('first\nlast\n');
    expect(applyHunks('first\nlast\n', hunksOf(add))).toBeNull();
  });

  it('holds a hunk without trailing context to the end of the file', () => {
    const append = diffOfN('@@ -1 +1,2 @@', ' a', '+b');
    expect(applyHunks('a\n', hunksOf(append))).toBe('a\nb\n');
    expect(applyHunks('a\nz\n', hunksOf(append))).toBeNull();
  });
});

describe('applying binary patches', () => {
  // git's base85 of bytes, one line, as `git format-patch` writes a GIT binary patch.
  const base85 = (bytes: Buffer): string => {
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~';
    const padded = Buffer.concat([bytes, Buffer.alloc((4 - (bytes.length % 4)) % 4)]);
    let out =
      bytes.length <= 26
        ? String.fromCharCode(64 + bytes.length)
        : String.fromCharCode(96 + bytes.length - 26);
    for (let i = 0; i < padded.length; i += 4) {
      let value = padded.readUInt32BE(i);
      const group: string[] = [];
      for (let k = 0; k < 5; k++) {
        group.unshift(alphabet[value % 85] ?? '');
        value = Math.floor(value / 85);
      }
      out += group.join('');
    }
    return out;
  };
  const binary = (kind: string, data: Buffer) =>
    files(
      [
        'diff --git a/x.bin b/x.bin',
        'index 1..2 100644',
        'GIT binary patch',
        `${kind} ${data.length}`,
        base85(deflateSync(data)),
        '',
        '',
      ].join('\n'),
    )[0]?.binary ?? null;

  it('takes a literal as the new content', () => {
    const patch = binary('literal', Buffer.from([0, 1, 2, 255]));
    expect(patch && applyBinary(Buffer.from('old'), patch)).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it('applies a git delta (copies from the old content, inserts new bytes) and refuses the wrong base', () => {
    const old = Buffer.from('hello world');
    // Sizes 11 and 11; copy (0x80) with one offset byte (0x01) and one size byte (0x10): 0 and 6;
    // then insert 5 bytes.
    const patch = binary('delta', Buffer.from([11, 11, 0x91, 0, 6, 5, ...Buffer.from('there')]));
    expect(patch && applyBinary(old, patch)?.toString()).toBe('hello there');
    expect(patch && applyBinary(Buffer.from('other base!!'), patch)).toBeNull();
  });
});
