import { describe, expect, it } from 'vitest';
import { printPublish } from '../../src/cli/print.ts';

/** What rsync over ssh says when the host does not answer: ssh's line ends in CR LF. */
const SAID =
  'uploading the packages to nobody@127.0.0.1:1 failed on the network; it is tried again\nssh: connect to host 127.0.0.1 port 1: Connection refused\r\nrsync: connection unexpectedly closed (0 bytes received so far) [sender]\nrsync error: unexplained error (code 255) at io.c(285) [sender=3.5.0]\n';

describe('a failed unit on the command line', () => {
  it("is one RETRY, WAITING or GAVE UP line, the tool's lines joined, so grep finds the cause", () => {
    const lines: string[] = [];
    printPublish(
      {
        published: [],
        failed: [],
        units: [
          {
            key: 'publish:5',
            kind: 'publish',
            code: 'publish_remote_network',
            error: SAID,
            retryAt: '2026-11-30T04:55:44.768Z',
          },
          { key: 'publish:6', kind: 'publish', code: 'publish_remote_failed', error: SAID, retryAt: null },
        ],
        deferred: { count: 2, next: '2026-11-30T05:00:00.000Z', first: { key: 'publish:5', error: SAID } },
      },
      (l) => lines.push(l),
    );
    const joined =
      'uploading the packages to nobody@127.0.0.1:1 failed on the network; it is tried again | ssh: connect to host 127.0.0.1 port 1: Connection refused | rsync: connection unexpectedly closed (0 bytes received so far) [sender] | rsync error: unexplained error (code 255) at io.c(285) [sender=3.5.0]';
    expect(lines).toEqual([
      'publish: 0 repositor(ies) updated, 0 failed',
      `  RETRY     publish:5 at 2026-11-30T04:55:44.768Z: ${joined}`,
      `  GAVE UP   publish:6 (publish_remote_failed): ${joined}`,
      `  WAITING   2 unit(s) failed before and wait for their retry, the next at 2026-11-30T05:00:00.000Z (publish:5: ${joined})`,
    ]);
  });

  it('says a cause that gave up many units once, with how many more', () => {
    const lines: string[] = [];
    const missing =
      'project hello: the repository /srv/hello.git has no branch "kbuild": correct projects.hello.branches in the configuration, or create the branch in the repository';
    const dead = (key: string, code: string, error: string) => ({
      key,
      kind: 'series' as const,
      code,
      error,
      retryAt: null,
    });
    printPublish(
      {
        published: [],
        failed: [],
        units: [
          dead('series:a@x', 'git_branch_missing', missing),
          dead('series:b@x', 'git_branch_missing', missing),
          dead('series:c@x', 'git_am_failed', 'another cause'),
          dead('series:d@x', 'git_branch_missing', missing),
        ],
      },
      (l) => lines.push(l),
    );
    expect(lines.slice(1)).toEqual([
      `  GAVE UP   series:a@x and 2 more unit(s) of this cause (git_branch_missing): ${missing}`,
      '  GAVE UP   series:c@x (git_am_failed): another cause',
    ]);
  });
});
