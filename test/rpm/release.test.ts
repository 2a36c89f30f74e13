import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nvr, releaseFor, rewriteRelease, snapshotRelease, type CommitFacts } from '../../src/rpm/release.ts';

const day = (iso: string) => Date.parse(`${iso}T12:00:00Z`);
const commit = (count: number, date: string, sha = 'a'.repeat(40)): CommitFacts => ({
  count,
  date: day(date),
  sha,
});

/** rpm's own order of two [epoch:]version-release strings (-1, 0, 1), all pairs in one rpm run. */
function rpmOrder(pairs: readonly (readonly [string, string])[]): number[] {
  const lua = pairs
    .map(
      ([a, b]) =>
        `local a, b = rpm.ver("${a}"), rpm.ver("${b}"); print((a < b and -1 or (a == b and 0 or 1)) .. " ")`,
    )
    .join('; ');
  return execFileSync('rpm', ['--eval', `%{lua: ${lua}}`], { encoding: 'utf8' })
    .trim()
    .split(/\s+/)
    .map(Number);
}

describe('snapshot releases', () => {
  it('puts the count before the date, as <spec release>.<count>.<YYYYMMDD>git<short sha>', () => {
    expect(snapshotRelease('1', commit(42, '2026-11-29', 'abc1234def'.padEnd(40, '0')))).toBe(
      '1.42.20261129gitabc1234',
    );
    expect(releaseFor('spec', '3', commit(42, '2026-11-29'))).toBe('3');
  });

  it('is the same for a rebuild of the same commit', () => {
    const c = commit(7, '2026-03-04', 'f'.repeat(40));
    expect(snapshotRelease('1', c)).toBe(snapshotRelease('1', { ...c }));
  });

  it('refuses a spec release rpm would not take as one', () => {
    expect(() => snapshotRelease('1-2', commit(1, '2026-01-01'))).toThrow(/not an RPM release/);
  });

  it('sorts as rpm sorts them: every later build of a branch above the earlier ones', () => {
    const r = (spec: string, c: CommitFacts) => snapshotRelease(spec, c);
    const cases: [string, string, number, string][] = [
      // [newer, older, rpm's verdict, why]
      [
        `1.0-${r('1', commit(6, '2026-01-01', 'b'.repeat(40)))}.el9`,
        `1.0-${r('1', commit(5, '2026-11-29'))}.el9`,
        1,
        'a patch dated before the tip',
      ],
      [
        `1.0-${r('1', commit(10, '2026-01-01'))}.el9`,
        `1.0-${r('1', commit(9, '2026-01-01'))}.el9`,
        1,
        'the count gains a digit',
      ],
      [
        `1.0-${r('2', commit(11, '2026-01-01'))}.el9`,
        `1.0-${r('1', commit(10, '2026-12-31'))}.el9`,
        1,
        'a spec release bump',
      ],
      [
        `1.0-${r('1', commit(3, '2026-01-01'))}.el9`,
        `1.0-${r('0.rc2', commit(2, '2026-01-01'))}.el9`,
        1,
        'a pre-release spec release',
      ],
      [
        `1.0-${r('1', commit(3, '2026-01-01'))}.el9`,
        `1.0~rc1-${r('1', commit(2, '2026-01-01'))}.el9`,
        1,
        'a ~ pre-release version',
      ],
      [
        `1.0^20260101git${'c'.repeat(7)}-${r('1', commit(3, '2026-01-01'))}.el9`,
        `1.0-${r('1', commit(4, '2026-01-01'))}.el9`,
        1,
        'a ^ post-release version',
      ],
      [`1.0-${r('1', commit(2, '2026-01-01'))}.el9`, '1.0-1.el9', 1, 'above the spec’s own release'],
      [
        `1.0-${r('1', commit(5, '2026-01-01'))}.el9`,
        `1.0-${r('1', commit(5, '2026-01-01'))}.el9`,
        0,
        'a rebuild',
      ],
    ];
    expect(rpmOrder(cases.map(([a, b]) => [a, b] as const))).toEqual(cases.map(([, , verdict]) => verdict));
  });

  it('takes only a commit id where the sha goes, so branch names with dots and dashes never reach the NVR', () => {
    for (const ref of ['stable-2.5', 'release/1.2-rc.3', 'v1.0.x'])
      expect(() => snapshotRelease('1', { count: 3, date: 0, sha: ref })).toThrow(/not a commit id/);
    const release = snapshotRelease('1', commit(3, '2026-01-01', '0123abc'.padEnd(40, '9')));
    expect(nvr({ name: 'qemu-kvm', version: '2.5.1', release }).split('-').slice(-2)).toEqual([
      '2.5.1',
      release,
    ]);
  });
});

describe('the spec release rewritten', () => {
  it('replaces the main Release tag, keeping the dist macro', () => {
    const spec = 'Name: x\nVersion: 1\nRelease:        3%{?dist}\n\n%package sub\nRelease: 9\n';
    expect(rewriteRelease(spec, '3.4.20260101gitabcdef0')).toBe(
      'Name: x\nVersion: 1\nRelease:        3.4.20260101gitabcdef0%{?dist}\n\n%package sub\nRelease: 9\n',
    );
  });

  it('adds no dist to a spec that had none, and refuses one without a Release', () => {
    expect(rewriteRelease('release: 1\n', '1.2.20260101gitabcdef0')).toBe(
      'release: 1.2.20260101gitabcdef0\n',
    );
    expect(() => rewriteRelease('Name: x\n', '1')).toThrow(/no Release/);
  });
});
