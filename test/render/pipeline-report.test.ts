import { describe, expect, it } from 'vitest';
import { renderPipelineReport } from '../../src/render/report.ts';
import { failedBuild, succeededBuild } from '../helpers/build-facts.ts';

const audience = { listAddress: 'list@example.org', failureRecipients: ['mia@example.org'] };
const at = { project: 'hello', branch: 'master', commit: 'abcdef0123456789', reason: 'the nightly schedule' };

describe("a pipeline's report to the list", () => {
  it('names the branch, the commit and why it was built, each target, and the dnf line', () => {
    const m = renderPipelineReport(
      { ...at, builds: [succeededBuild('el9', ['hello-1.0-1.el9.x86_64.rpm'])] },
      audience,
    );
    expect(m.subject).toBe('[patchferry] hello/master at abcdef012345: built');
    expect(m.body).toContain('for the nightly schedule');
    expect(m.body).toContain('hello-1.0-1.el9.x86_64.rpm');
    expect(m.body).toContain('dnf config-manager --add-repo http://r/el9/h.repo');
    expect(m.cc).toEqual([]);
    expect(m.inReplyTo).toBeNull();
  });

  it('on a failed target, says so in the subject, shows the end of its log and copies the failure recipients', () => {
    const m = renderPipelineReport(
      {
        ...at,
        builds: [
          succeededBuild('el9', ['hello-1.0-1.el9.x86_64.rpm']),
          failedBuild('fc41', {
            logPath: 'http://r/logs/fc41.log',
            logTail: 'error: Bad exit status',
            error: 'patch: %build failed',
          }),
        ],
      },
      audience,
    );
    expect(m.subject).toBe('[patchferry] hello/master at abcdef012345: build failed');
    expect(m.body).toContain('Build for fc41 (x86_64) FAILED: patch: %build failed');
    expect(m.body).toContain('error: Bad exit status');
    expect(m.body).not.toContain('dnf config-manager');
    expect(m.cc).toEqual(['mia@example.org']);
  });
});
