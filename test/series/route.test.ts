import { describe, expect, it } from 'vitest';
import { parseSubject } from '../../src/mail/subject.ts';
import { routeTag, type RoutingTable } from '../../src/series/route.ts';

const TABLE: RoutingTable = {
  projects: {
    qemu: { branches: ['master', 'stable-2.5'] },
    net: { branches: ['main'] },
    'net-next': { branches: ['main'] },
  },
};
const route = (subject: string, table = TABLE) => routeTag(parseSubject(subject), subject, table);

describe('routing', () => {
  it.each([
    ['[master PATCH qemu] x', 'qemu', 'master'],
    ['[stable-2.5 PATCH v2 3/7 qemu] x', 'qemu', 'stable-2.5'],
    ['[PATCH qemu/stable-2.5 v3 0/4] x', 'qemu', 'stable-2.5'],
    ['[PULL qemu master 0/9] x', 'qemu', 'master'],
    ['[PATCH net-next] x', 'net-next', 'main'],
    ['[PATCH net] x', 'net', 'main'],
  ])('routes %s to %s/%s', (subject, repo, branch) => {
    expect(route(subject)).toMatchObject({ ok: true, repo, branch });
  });

  it('uses the first accepted branch when the tag names only the repo, and says so', () => {
    expect(route('[PATCH qemu] x')).toEqual({ ok: true, repo: 'qemu', branch: 'master', defaulted: true });
  });

  it('names an unknown repository', () => {
    expect(route('[master PATCH kvm] x')).toEqual({
      ok: false,
      reason: 'repository "kvm" is not known here (known: qemu, net, net-next)',
    });
  });

  it('never routes by prefix', () => {
    expect(route('[PATCH net-nex] x')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('"net-nex" is not known'),
    });
  });

  it('names a branch the repository does not accept', () => {
    expect(route('[stable-9 PATCH qemu] x')).toEqual({
      ok: false,
      reason: 'branch "stable-9" is not accepted for qemu (accepted: master, stable-2.5)',
    });
  });

  it('explains a tag that names no repository', () => {
    expect(route('[PATCH] x')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('names no repository'),
    });
  });

  it('tries a configured pattern first', () => {
    const table = { ...TABLE, pattern: /^\{(?<repo>\w+):(?<branch>[\w.-]+)\}/ };
    expect(route('{qemu:stable-2.5} [PATCH] x', table)).toMatchObject({
      ok: true,
      repo: 'qemu',
      branch: 'stable-2.5',
    });
  });
});
