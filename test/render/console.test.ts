import { describe, expect, it } from 'vitest';
import { dnfLines, escapeHtml, renderConsole, type ConsoleView } from '../../src/render/console.ts';

const EMPTY: ConsoleView = {
  now: '2026-11-29T12:00:00.000Z',
  csrf: 'token"<',
  nextNightly: null,
  timezone: 'UTC',
  projects: [{ name: 'hello', branches: ['master'], platforms: ['el9', 'fc41'] }],
  series: [],
  mergeRequests: [],
  builds: [],
  queued: [],
  publications: [],
  dists: { el9: '.el9', fc41: '.fc41' },
  dead: [],
  notice: null,
};

describe('the console page', () => {
  it('escapes every value a mail or the outside gave: subjects, senders, errors, URLs', () => {
    const html = renderConsole({
      ...EMPTY,
      series: [
        {
          id: '<a@b>',
          project: 'hello',
          branch: 'master',
          version: 2,
          total: 1,
          title: '<script>alert(1)</script> fix "quotes" & more',
          sender: 'Eve <eve@example.org>',
          state: 'applied',
          firstSeen: EMPTY.now,
          updatedAt: EMPTY.now,
          mergeRequestUrl: 'javascript:alert(1)" onclick="x',
        },
      ],
      dead: [
        {
          key: 'mail:<x>',
          kind: 'mail',
          attempts: 20,
          code: 'smtp_refused',
          message: '<img src=x onerror=alert(1)>',
          updatedAt: EMPTY.now,
        },
      ],
    });
    expect(html).not.toMatch(/<script>|<img|<eve@/);
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62; fix &#34;quotes&#34; &#38; more');
    // A link only to http(s): another scheme is not linked at all.
    expect(html).not.toContain('javascript:');
    expect(html).toContain('v2, 1 patch(es)</span> MR</td>');
    expect(html).toContain('name="csrf" value="token&#34;&#60;"');
    expect(html).toContain('<input type="hidden" name="key" value="mail:&#60;x&#62;">');
  });

  it('offers the configured projects, branches and platforms, and says when no nightly is scheduled', () => {
    const html = renderConsole(EMPTY);
    expect(html).toContain('<option value="hello">hello</option>');
    expect(html).toContain('<input type="checkbox" name="platforms" value="fc41">');
    expect(html).toContain('No nightly run is scheduled');
    expect(escapeHtml(`'`)).toBe('&#39;');
  });

  it('says of each published build whether its checks passed, linking stable, or where it stays in testing', () => {
    const published = {
      project: 'hello',
      branch: 'master',
      target: 'el9',
      commit: 'c'.repeat(40),
      url: 'http://r/hello/master/el9/x86_64/',
      repoFileUrl: null,
      publishedAt: EMPTY.now,
    };
    const html = renderConsole({
      ...EMPTY,
      publications: [
        {
          ...published,
          tests: { state: 'passed', testingUrl: 'http://r/testing/a/', stableUrl: 'http://r/stable/a/' },
        },
        {
          ...published,
          target: 'fc41',
          tests: { state: 'failed', testingUrl: 'http://r/testing/b/', stableUrl: null },
        },
        { ...published, target: 'el8', tests: null },
      ],
    });
    expect(html).toContain('<th>Tests</th>');
    expect(html).toContain('<span class="state ok">passed</span> <a href="http://r/stable/a/">stable</a>');
    expect(html).toContain('<span class="state bad">failed</span> <a href="http://r/testing/b/">testing</a>');
  });

  it("gives the published .repo file with the platform's dnf command, or a one-off repository without one", () => {
    const p = { project: 'hello', branch: 'master', target: 'el9', url: 'http://r/hello/master/el9/x86_64/' };
    expect(dnfLines({ ...p, repoFileUrl: 'http://r/hello.repo' }, '.el9')).toEqual([
      'dnf config-manager --add-repo http://r/hello.repo',
    ]);
    expect(dnfLines({ ...p, target: 'fc41', repoFileUrl: 'http://r/hello.repo' }, '.fc41')).toEqual([
      'dnf config-manager addrepo --from-repofile=http://r/hello.repo',
    ]);
    expect(dnfLines({ ...p, repoFileUrl: null }, '.el9')).toEqual([
      'dnf --repofrompath=hello-master-el9,http://r/hello/master/el9/x86_64/ --repo=hello-master-el9 install hello',
    ]);
  });
});
