import { describe, expect, it } from 'vitest';
import { addRepoLines, dnfMajorOf } from '../../src/rpm/dnf.ts';

describe('the dnf a platform ships', () => {
  it('is dnf 5 from Fedora 41 on and dnf 4 before it and on Enterprise Linux 8 to 10', () => {
    expect(dnfMajorOf('.fc41')).toBe(5);
    expect(dnfMajorOf('.fc43')).toBe(5);
    expect(dnfMajorOf('.fc40')).toBe(4);
    expect(dnfMajorOf('.el9')).toBe(4);
    expect(dnfMajorOf('.el10')).toBe(4);
    expect(dnfMajorOf('.el9_4')).toBe(4);
  });

  it('is unknown for a dist tag it cannot read', () => {
    expect(dnfMajorOf('.mga9')).toBeNull();
    expect(dnfMajorOf(null)).toBeNull();
  });
});

describe('the line that adds a repository', () => {
  const url = 'http://repo/qemu/master/el9/qemu-master-el9.repo';

  it('uses --add-repo on dnf 4 platforms (el9 has no addrepo subcommand)', () => {
    expect(addRepoLines('.el9', url)).toEqual([`dnf config-manager --add-repo ${url}`]);
  });

  it('uses addrepo --from-repofile on dnf 5 platforms', () => {
    expect(addRepoLines('.fc41', url)).toEqual([`dnf config-manager addrepo --from-repofile=${url}`]);
  });

  it('gives both forms, labelled, when the dist tag says nothing', () => {
    const lines = addRepoLines('.mga9', url);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/addrepo --from-repofile=.*# dnf 5$/);
    expect(lines[1]).toMatch(/--add-repo .*# dnf 4$/);
  });
});
