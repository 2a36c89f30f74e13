import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ArchivedSeries } from '../../src/ports/patch-archive.ts';
import { FilePatchArchive } from '../../src/publish/patch-archive.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { htmlErrors } from '../helpers/html.ts';
import { rawMail } from '../helpers/mail.ts';
import { tempDir } from '../helpers/tmp.ts';

const at = new Date(Date.UTC(2026, 10, 30, 9, 15));
function series(id: string, title: string, o: Partial<ArchivedSeries> = {}): ArchivedSeries {
  return {
    seriesId: id,
    day: '2026-11-30',
    project: 'hello',
    branch: 'master',
    title,
    subject: `[PATCH 0/1] ${title}`,
    sender: 'Ada <ada@example.org>',
    version: 1,
    patches: 1,
    mails: [
      rawMail({ Subject: `[PATCH 0/1] ${title}`, 'Message-ID': `<${id}>` }, 'From the cover letter.\n'),
    ],
    appliedAt: at,
    ...o,
  };
}

describe("the archive of the day's patches", () => {
  it('files each series as an mbox named from its title, unique within the day, with the pages linking it', async () => {
    const root = tempDir();
    const archive = new FilePatchArchive({
      root,
      baseUrl: 'http://repos.example/rpms/',
      log: silentLogger(),
    });
    const first = await archive.archive(series('a@x', 'Greet by name'));
    const second = await archive.archive(series('b@x', 'greet by name!', { branch: 'stable-1.0' }));
    const third = await archive.archive(series('c@x', 'Grüße <everyone>', { sender: 'Zoë <z@example.org>' }));
    expect(first).toEqual({
      path: 'patches/2026-11-30/hello/master/greet-by-name.mbox',
      url: 'http://repos.example/rpms/patches/2026-11-30/hello/master/greet-by-name.mbox',
    });
    expect(second.path).toBe('patches/2026-11-30/hello/stable-1.0/greet-by-name-2.mbox');
    expect(third.path).toBe('patches/2026-11-30/hello/master/gru-e-everyone.mbox');
    const mbox = readFileSync(join(root, first.path), 'latin1');
    expect(mbox).toMatch(/^From patchferry Mon Nov 30 09:15:00 2026\n/);
    expect(mbox).toContain('\n>From the cover letter.\n');

    const day = readFileSync(join(root, 'patches/2026-11-30/index.html'), 'utf8');
    expect(htmlErrors(day)).toEqual([]);
    expect(day).toContain('<a href="hello/master/greet-by-name.mbox">[PATCH 0/1] Greet by name</a>');
    expect(day).toContain('<a href="hello/stable-1.0/greet-by-name-2.mbox">');
    expect(day).toContain('Grüße &lt;everyone&gt;');
    expect(day).toContain('git am --patch-format=mboxrd');
    const days = readFileSync(join(root, 'patches/index.html'), 'utf8');
    expect(htmlErrors(days)).toEqual([]);
    expect(days).toContain('<a href="2026-11-30/">2026-11-30</a></td><td class="n">3</td>');
  });

  it('gives a series archived again the file it has, written once', async () => {
    const root = tempDir();
    const archive = new FilePatchArchive({ root, baseUrl: 'http://repos.example/', log: silentLogger() });
    const first = await archive.archive(series('a@x', 'Greet by name'));
    const written = statSync(join(root, first.path));
    await new Promise((r) => setTimeout(r, 20));
    const again = await archive.archive(series('a@x', 'Greet by name'));
    expect(again).toEqual(first);
    expect(statSync(join(root, first.path)).mtimeMs).toBe(written.mtimeMs);
    // Another day is a day of its own, listed beside the first.
    await archive.archive(series('d@x', 'Greet by name', { day: '2026-12-01' }));
    const days = readFileSync(join(root, 'patches/index.html'), 'utf8');
    expect(days.indexOf('2026-12-01')).toBeLessThan(days.indexOf('2026-11-30'));
  });
});
