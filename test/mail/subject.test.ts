import { describe, expect, it } from 'vitest';
import { parseSubject } from '../../src/mail/subject.ts';

describe('subject tags', () => {
  it('takes "Re:" before the tag for a reply, and after it for part of a patch’s title', () => {
    expect(parseSubject('Re: [PATCH v2 1/3] x')).toMatchObject({ reply: true, part: 1, title: 'x' });
    expect(parseSubject('[Qemu-devel] Re: [PATCH] x')).toMatchObject({ reply: true, title: 'x' });
    expect(parseSubject('[PATCH v2 1/3] Re: x')).toMatchObject({ reply: false, part: 1, title: 'x' });
  });

  it('reads version, part and keywords from every group of tag words, as patchwork reads every prefix', () => {
    const read = (subject: string) => {
      const t = parseSubject(subject);
      return [t.prefixes, t.version, t.part, t.total, t.otherGroups, t.title];
    };
    expect(read('[RFC] [PATCH 1/3] x')).toEqual([['RFC', 'PATCH'], 1, 1, 3, [], 'x']);
    expect(read('[PATCH] [v2] kbuild: fix')).toEqual([['PATCH'], 2, null, null, [], 'kbuild: fix']);
    expect(read('[PATCH 1/3][v2] x')).toEqual([['PATCH'], 2, 1, 3, [], 'x']);
    expect(read('[PATCH v2] [1/3] x')).toEqual([['PATCH'], 2, 1, 3, [], 'x']);
    expect(read('[Qemu-devel] [RFC net-next] [PATCH v3 2/5] x')).toEqual([
      ['RFC', 'PATCH'],
      3,
      2,
      5,
      ['Qemu-devel', 'net-next'],
      'x',
    ]);
  });

  it('reads the historical [<branch> PATCH <repo>] form', () => {
    const t = parseSubject('[master PATCH qemu] vl: fix crash on -nodefaults');
    expect(t).toMatchObject({
      before: ['master'],
      after: ['qemu'],
      prefixes: ['PATCH'],
      version: 1,
      part: null,
      title: 'vl: fix crash on -nodefaults',
      patchLike: true,
    });
  });

  it('reads version and part numbers among the names', () => {
    expect(parseSubject('[stable-2.5 PATCH v2 3/7 libvirt] qemu: fix hotplug')).toMatchObject({
      before: ['stable-2.5'],
      after: ['libvirt'],
      version: 2,
      part: 3,
      total: 7,
    });
  });

  it('reads repo/branch after the keyword', () => {
    expect(parseSubject('[PATCH qemu/stable-2.5 v3 0/4] cover letter subject')).toMatchObject({
      after: ['qemu/stable-2.5'],
      version: 3,
      part: 0,
      total: 4,
    });
  });

  it('keeps RFC and RESEND as prefixes', () => {
    expect(parseSubject('[RFC PATCH kimchi 2/2] x')).toMatchObject({
      prefixes: ['RFC', 'PATCH'],
      after: ['kimchi'],
      part: 2,
      total: 2,
    });
    expect(parseSubject('[PATCH RESEND] x').prefixes).toEqual(['PATCH', 'RESEND']);
  });

  it('reads a pull request tag with repo and branch', () => {
    expect(parseSubject('[PULL qemu master 0/9] Migration queue')).toMatchObject({
      prefixes: ['PULL'],
      after: ['qemu', 'master'],
      part: 0,
      total: 9,
    });
  });

  it('marks replies however deeply they are nested', () => {
    const t = parseSubject('Re: AW: RE: [master PATCH qemu] vl: fix');
    expect(t.reply).toBe(true);
    expect(t.title).toBe('vl: fix');
  });

  it('keeps other bracket groups apart from the patch tag', () => {
    expect(parseSubject('[Qemu-devel] [PATCH v2 10/27] imx_fec: x')).toMatchObject({
      otherGroups: ['Qemu-devel'],
      version: 2,
      part: 10,
      total: 27,
    });
  });

  it('reads comma-separated tags and Mercurial numbering', () => {
    expect(parseSubject('[net,v2,1/2] x')).toMatchObject({
      after: [],
      before: ['net'],
      version: 2,
      part: 1,
      total: 2,
    });
    expect(parseSubject('[PATCH 0 of 2] x')).toMatchObject({ part: 0, total: 2 });
  });

  it('unfolds a subject split over lines', () => {
    expect(parseSubject('[PATCH] meep\n meep').title).toBe('meep meep');
  });

  it('is not patch-like without a tag', () => {
    expect(parseSubject('Meeting notes').patchLike).toBe(false);
  });
});
