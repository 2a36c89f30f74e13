import { describe, expect, it } from 'vitest';
import { globRegExp, refusedPackages } from '../../src/rpm/package-policy.ts';

const qemu = [
  { name: 'qemu-kvm', epoch: 17 },
  { name: 'qemu-img', epoch: 17 },
];

describe('what a project may publish', () => {
  it('refuses a package name outside the configured globs, naming them', () => {
    expect(
      refusedPackages([...qemu, { name: 'bash', epoch: 0 }], { allowed: ['qemu', 'qemu-*'], before: null }),
    ).toEqual(['bash is not a package this project may publish (projects.<project>.packages: qemu, qemu-*)']);
  });

  it('holds a branch to the names it published before when no globs are configured', () => {
    expect(refusedPackages([...qemu, { name: 'bash', epoch: 0 }], { allowed: null, before: qemu })).toEqual([
      'bash was not built by this branch before (it built qemu-img, qemu-kvm); to publish a new package, add it to projects.<project>.packages',
    ]);
    expect(refusedPackages(qemu, { allowed: null, before: qemu })).toEqual([]);
  });

  it("accepts a branch's first build, which sets its names", () => {
    expect(refusedPackages(qemu, { allowed: null, before: null })).toEqual([]);
  });

  it('refuses a raised Epoch even for an allowed name, and accepts the same or a lower one', () => {
    const bash99 = [{ name: 'bash', epoch: 99 }];
    expect(refusedPackages(bash99, { allowed: ['*'], before: [{ name: 'bash', epoch: 0 }] })).toEqual([
      'bash raises its Epoch from 0 to 99, which only a maintainer may do',
    ]);
    expect(refusedPackages(qemu, { allowed: null, before: [...qemu, { name: 'x', epoch: 1 }] })).toEqual([]);
  });

  it('matches names as shell globs do, whole', () => {
    expect(globRegExp('qemu-*').test('qemu-kvm')).toBe(true);
    expect(globRegExp('qemu-*').test('qemu')).toBe(false);
    expect(globRegExp('lib?irt').test('libvirt')).toBe(true);
    expect(globRegExp('perl-[A-Z]*').test('perl-Foo')).toBe(true);
    expect(globRegExp('perl-[!A-Z]*').test('perl-Foo')).toBe(false);
    expect(globRegExp('a.b').test('axb')).toBe(false);
    expect(globRegExp('python3.12').test('python3.12')).toBe(true);
  });
});
