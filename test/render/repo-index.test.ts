import { describe, expect, it } from 'vitest';
import { humanSize, renderIndexPage } from '../../src/render/repo-index.ts';
import { htmlErrors } from '../helpers/html.ts';

const page = {
  path: 'hello/stable/1.0/fc41/x86_64',
  commands: ['sudo dnf install hello'],
  entries: [
    { name: 'repodata', href: 'repodata/', directory: true, size: null, modified: null },
    {
      name: 'hello-1.0-2.fc41.x86_64.rpm',
      href: 'hello-1.0-2.fc41.x86_64.rpm',
      directory: false,
      size: 7424,
      modified: '2026-11-29T22:05:13.123Z',
      note: 'Prints <hello> & "greets" (build 7)',
    },
  ],
  generated: '2026-11-29T22:05:14.000Z',
};

describe('the index page of a published directory', () => {
  it('is valid HTML that lists each entry with its size and date, and the dnf lines', () => {
    const html = renderIndexPage(page);
    expect(htmlErrors(html)).toEqual([]);
    expect(html).toContain('<title>/hello/stable/1.0/fc41/x86_64/ — patchferry repositories</title>');
    expect(html).toContain('<a href="hello-1.0-2.fc41.x86_64.rpm">hello-1.0-2.fc41.x86_64.rpm</a>');
    expect(html).toContain('<td class="size">7.3 KiB</td>');
    expect(html).toContain('<time datetime="2026-11-29T22:05:13.123Z">2026-11-29 22:05 UTC</time>');
    expect(html).toContain('<pre><code>sudo dnf install hello</code></pre>');
    // Every level above links back up.
    expect(html).toContain('<nav><a href="../../../../../">root</a> › <a href="../../../../">hello</a>');
  });

  it('escapes what packages and names say', () => {
    const html = renderIndexPage(page);
    expect(html).toContain('Prints &lt;hello&gt; &amp; "greets" (build 7)');
    expect(htmlErrors(renderIndexPage({ ...page, path: 'a"b/<c>' }))).toEqual([]);
  });

  it('says when nothing is published yet, and sizes read as people read them', () => {
    expect(renderIndexPage({ ...page, entries: [] })).toContain('Nothing published here yet.');
    expect([0, 1023, 1536, 5 * 1024 * 1024].map(humanSize)).toEqual([
      '0 bytes',
      '1023 bytes',
      '1.5 KiB',
      '5.0 MiB',
    ]);
  });
});
