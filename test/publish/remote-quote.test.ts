import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { quoteForRemoteShell, remoteCommand, remoteSequence } from '../../src/publish/remote-quote.ts';
import { switchCommand } from '../../src/publish/rsync-target.ts';

/** What a POSIX shell makes of a command line: the arguments printf receives, NUL-separated. */
function shellReads(line: string, shell = 'sh'): string[] {
  const out = execFileSync(shell, ['-c', `printf '%s\\0' ${line}`]);
  return out.toString('utf8').split('\0').slice(0, -1);
}

const AWKWARD = [
  'plain',
  'with space',
  "it's",
  "''",
  '"double"',
  '$HOME',
  '${PATH}',
  '`id`',
  '$(id)',
  'two\nlines',
  'tab\there',
  '-rf',
  '--',
  '*',
  '~',
  '\\',
  '!',
  ';rm -rf /',
  'ü ✓',
  '',
];

describe('quoting for the remote shell', () => {
  it('wraps in single quotes and closes, escapes and reopens for a single quote', () => {
    expect(quoteForRemoteShell('a b')).toBe("'a b'");
    expect(quoteForRemoteShell("it's")).toBe(`'it'\\''s'`);
    expect(quoteForRemoteShell('')).toBe("''");
    expect(quoteForRemoteShell('-x')).toBe("'-x'");
  });

  it.each(['sh', 'bash'])('gives every argument back unchanged through %s', (shell) => {
    expect(shellReads(remoteCommand(AWKWARD), shell)).toEqual(AWKWARD);
  });

  it('refuses a NUL byte, which no program can receive', () => {
    expect(() => quoteForRemoteShell('a\0b')).toThrow(RangeError);
  });

  it('chains commands so that each runs only if the one before succeeded', () => {
    expect(remoteSequence([['false'], ['echo', 'no']])).toBe("'false' && 'echo' 'no'");
  });

  it('switches with one rename and keeps only the states kept locally, a leading dash never an option', () => {
    const line = switchCommand('/srv/my repo', '-p/master/fc41', '../../.states/-p/master/fc41/7', [
      '6',
      '7',
    ]);
    // Every path is absolute under the base or follows --, so "-p" is never read as an option.
    expect(line).toContain("'mv' '-T' '--' '/srv/my repo/-p/master/fc41.next-");
    expect(line).toContain(
      "'find' '/srv/my repo/.states/-p/master/fc41' '-mindepth' '1' '-maxdepth' '1' '!' '-name' '6' '!' '-name' '7'",
    );
    expect(line.split(' && ').map((c) => c.split(' ')[0])).toEqual([
      "'mkdir'",
      "'rm'",
      "'ln'",
      "'mv'",
      "'find'",
    ]);
  });
});
