import { describe, expect, it } from 'vitest';
import { renderRejection, renderSeriesReport } from '../../src/render/report.ts';
import { failedBuild, succeededBuild } from '../helpers/build-facts.ts';
import { AUDIENCE, seriesFacts } from '../helpers/series-facts.ts';

const SERIES = seriesFacts({
  subject: '[master PATCH hello 0/2] greet by name',
  version: 2,
  patches: [
    { part: 1, subject: 'hello: greet' },
    { part: 2, subject: 'README: document' },
  ],
});

describe('report rendering', () => {
  it('tells what was received, applied, built and where the repositories are', () => {
    const m = renderSeriesReport(
      SERIES,
      { state: 'applied', base: 'a'.repeat(40), head: 'b'.repeat(40) },
      [succeededBuild('el9', ['hello-1-1.el9.x86_64.rpm'])],
      AUDIENCE,
    );
    expect(m).toMatchObject({ to: ['list@x'], cc: ['ada@x'], inReplyTo: 'cover@x', references: ['cover@x'] });
    expect(m.subject).toBe('Re: [master PATCH hello 0/2] greet by name (patchferry: applied and built)');
    expect(m.body).toContain(
      'patchferry received 2 patch(es) from Ada <ada@x>\nfor hello branch master, version 2:',
    );
    expect(m.body).toContain('  [2/2] README: document');
    expect(m.body).toContain('Applied onto master: aaaaaaaaaaaa..bbbbbbbbbbbb');
    expect(m.body).toContain('  repository: http://r/el9/x86_64/');
    expect(m.body).not.toContain('log:');
    // el9 ships dnf 4, which has no `addrepo`.
    expect(m.body).toContain('  dnf config-manager --add-repo http://r/el9/h.repo');
  });

  it('says which part was an extra, sent past the total ([PATCH 3/2])', () => {
    const m = renderSeriesReport(
      { ...SERIES, patches: [...SERIES.patches, { part: 3, subject: 'hello: one more', extraOf: 2 }] },
      { state: 'applied', base: 'a'.repeat(40), head: 'b'.repeat(40) },
      [],
      AUDIENCE,
    );
    expect(m.body).toContain(
      '  [2/3] README: document\n  [3/3] hello: one more (an extra part: sent as 3/2)\n',
    );
  });

  it("names the patch that did not apply, the conflicts and git's words, and tells the failure recipients", () => {
    const m = renderSeriesReport(
      SERIES,
      {
        state: 'failed',
        failedPart: 2,
        failedSubject: 'README: document',
        conflicts: ['README'],
        output: 'error: patch failed: README:1',
      },
      [],
      AUDIENCE,
    );
    expect(m.cc).toEqual(['ada@x', 'boss@x']);
    expect(m.subject).toMatch(/\(patchferry: failed to apply\)$/);
    expect(m.body).toContain('Patch 2/2 did not apply to master:\n  README: document');
    expect(m.body).toContain('Conflicting files:\n  README');
    expect(m.body).toContain('  error: patch failed: README:1');
  });

  it('says which patches changed when an earlier version is already on the branch, and what to send', () => {
    const m = renderSeriesReport(
      SERIES,
      {
        state: 'earlier-version-applied',
        earlierVersion: 1,
        base: 'a'.repeat(40),
        head: 'b'.repeat(40),
        changed: [{ part: 2, subject: 'README: document' }],
      },
      [],
      AUDIENCE,
    );
    expect(m.subject).toBe(
      'Re: [master PATCH hello 0/2] greet by name (patchferry: version 1 already applied)',
    );
    expect(m.cc).toEqual(['ada@x', 'boss@x']);
    expect(m.body).toContain('Version 1 of this series is already on master\n(aaaaaaaaaaaa..bbbbbbbbbbbb)');
    expect(m.body).toContain('These patches differ from version 1:\n  [2/2] README: document\n');
    expect(m.body).toContain('patches against the current master.');
  });

  it("links a successful build's published log too", () => {
    const m = renderSeriesReport(
      SERIES,
      { state: 'applied', base: 'a'.repeat(40), head: 'b'.repeat(40) },
      [
        {
          ...succeededBuild('el9', ['hello-1-1.el9.x86_64.rpm']),
          logPath: 'http://r/logs/el9/1-hello/build.log',
        },
      ],
      AUDIENCE,
    );
    expect(m.body).toContain(
      '  repository: http://r/el9/x86_64/\n  log: http://r/logs/el9/1-hello/build.log\n',
    );
  });

  it('shows the end of the build log when a build fails', () => {
    const m = renderSeriesReport(
      SERIES,
      { state: 'applied', base: 'a', head: 'b' },
      [
        failedBuild('fc41', {
          logPath: '/logs/1.log',
          logTail: 'make: *** [hello] Error 1',
          error: 'rpmbuild -ba failed (exit 1)',
        }),
      ],
      AUDIENCE,
    );
    expect(m.subject).toMatch(/\(patchferry: build failed\)$/);
    expect(m.body).toContain(
      'Build for fc41 (x86_64) FAILED: rpmbuild -ba failed (exit 1)\n  log: /logs/1.log',
    );
    expect(m.body).toContain('    make: *** [hello] Error 1');
  });

  it('names a failure’s class and its error lines, and the arches a builder could not build', () => {
    const failed = {
      ...failedBuild('el9', { logPath: '/logs/2.log', logTail: '', error: 'patch: vl.c:4:1: error: x' }),
      errorLines: ['vl.c:4:1: error: x', 'error: Bad exit status from /var/tmp/rpm-tmp.1 (%build)'],
    };
    const built = {
      ...succeededBuild('el10', ['hello-1.0-1.el10.x86_64.rpm']),
      arch: 'x86_64 ppc64le',
      skipped: [{ arch: 'ppc64le', reason: 'local rpmbuild builds for x86_64 and noarch only' }],
    };
    const m = renderSeriesReport(
      SERIES,
      { state: 'applied', base: 'a', head: 'b' },
      [failed, built],
      AUDIENCE,
    );
    expect(m.body).toContain(
      'Build for el9 (x86_64) FAILED: patch: vl.c:4:1: error: x\n  errors:\n    vl.c:4:1: error: x\n    error: Bad exit status',
    );
    expect(m.body).toContain('  ppc64le not built: local rpmbuild builds for x86_64 and noarch only');
  });

  it('tells a sender why a mail was not routed, replying to that mail', () => {
    const m = renderRejection({
      subject: '[master PATCH kvm] x',
      sender: { name: 'Carol', address: 'carol@x' },
      messageId: 'm@x',
      references: ['t@x'],
      reason: 'repository "kvm" is not known here (known: qemu)',
    });
    expect(m).toMatchObject({ to: ['carol@x'], cc: [], inReplyTo: 'm@x', references: ['t@x', 'm@x'] });
    expect(m.body).toContain('because repository "kvm" is not known here (known: qemu).');
  });
});

describe('the install lines of a report', () => {
  it("gives each platform its own .repo file and its own dnf's command", () => {
    const m = renderSeriesReport(
      SERIES,
      { state: 'applied', base: 'a'.repeat(40), head: 'b'.repeat(40) },
      [
        succeededBuild('fc41', ['hello-1-1.fc41.x86_64.rpm']),
        succeededBuild('el9', ['hello-1-1.el9.x86_64.rpm']),
      ],
      AUDIENCE,
    );
    expect(m.body).toContain(
      [
        'To install with dnf, add the repository of your platform:',
        '  fc41: dnf config-manager addrepo --from-repofile=http://r/fc41/h.repo',
        '  el9: dnf config-manager --add-repo http://r/el9/h.repo',
      ].join('\n'),
    );
  });
});
