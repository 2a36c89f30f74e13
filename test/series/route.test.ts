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
    expect(route('[PATCH qemu] x')).toEqual({
      ok: true,
      repo: 'qemu',
      branch: 'master',
      defaulted: true,
      via: 'tag',
    });
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

  it('says so when the subject has no tag at all', () => {
    for (const subject of ['kconfig: fix x', '[linus:master] [ubsan/overflow] x'])
      expect(route(subject)).toMatchObject({
        ok: false,
        reason: expect.stringMatching(
          /^the subject has no \[PATCH …\] tag; write it as "\[<branch> PATCH <repo>\] …"/,
        ),
      });
    expect(route('[RFC] x')).toMatchObject({
      reason: expect.stringMatching(/^the subject tag names no repository;/),
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

describe('routing by list', () => {
  const table: RoutingTable = {
    projects: {
      qemu: {
        branches: ['master', 'for-9.0', 'stable-8.2'],
        lists: ['qemu-devel.nongnu.org', 'qemu-devel@nongnu.org'],
      },
      libvirt: { branches: ['master'], lists: ['devel@lists.libvirt.org'] },
      kimchi: { branches: ['master'] },
    },
  };
  const on = (subject: string, addressing: { listId?: string; recipients?: string }) =>
    routeTag(parseSubject(subject), subject, table, {
      listId: addressing.listId ?? null,
      recipients: addressing.recipients ?? '',
    });

  it('routes an untagged series on a list that carries one project to its first branch', () => {
    expect(on('[PATCH v2 3/7] vl: fix it', { listId: 'qemu-devel.nongnu.org' })).toEqual({
      ok: true,
      repo: 'qemu',
      branch: 'master',
      defaulted: true,
      via: 'list',
    });
    expect(on('[PATCH] x', { recipients: 'Ann <ann@x>, "libvirt" <devel@lists.libvirt.org>' })).toMatchObject(
      {
        repo: 'libvirt',
        via: 'list',
      },
    );
  });

  it('takes a prefix word naming a configured branch exactly; others stay prefixes', () => {
    const id = { listId: 'qemu-devel.nongnu.org' };
    expect(on('[PATCH for-9.0] x', id)).toMatchObject({ repo: 'qemu', branch: 'for-9.0', via: 'list' });
    expect(on('[PATCH stable-8.2 v2 1/3] x', id)).toMatchObject({ branch: 'stable-8.2', defaulted: false });
    expect(on('[PATCH for-9.1 v2 1/3] x', id)).toMatchObject({ branch: 'master', defaulted: true });
  });

  it('lets a tag naming a configured repository win, and checks it', () => {
    const id = { listId: 'qemu-devel.nongnu.org' };
    expect(on('[PATCH kimchi] x', id)).toMatchObject({ repo: 'kimchi', via: 'tag' });
    expect(on('[PATCH kimchi/nope] x', id)).toMatchObject({ ok: false });
  });

  it('matches lists without case, and configured entries pasted from a header', () => {
    const pasted = {
      projects: {
        hello: {
          branches: ['main'],
          lists: ['Hello devel <Hello-Devel.Example.org>', '<Hello@Lists.Example.org>'],
        },
      },
    };
    const route = (addressing: { listId: string | null; recipients: string }) =>
      routeTag(parseSubject('[PATCH] x'), '[PATCH] x', pasted, addressing);
    expect(route({ listId: 'hello-devel.example.ORG', recipients: '' })).toMatchObject({ repo: 'hello' });
    expect(
      route({ listId: null, recipients: 'Ann <ann@x>, "Hello" <HELLO@lists.example.org>' }),
    ).toMatchObject({
      repo: 'hello',
      via: 'list',
    });
  });

  it('matches List-Id before To/Cc, and a whole address only', () => {
    expect(
      on('[PATCH] x', { listId: 'qemu-devel.nongnu.org', recipients: 'devel@lists.libvirt.org' }),
    ).toMatchObject({ repo: 'qemu' });
    expect(on('[PATCH] x', { recipients: 'not-devel@lists.libvirt.org.example' })).toMatchObject({
      ok: false,
    });
  });
});
