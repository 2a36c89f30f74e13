import { describe, expect, it } from 'vitest';
import {
  parseSeriesFooter,
  renderBuildNote,
  renderBuildStatus,
  renderMergeRequest,
} from '../../src/render/merge-request.ts';
import { failedBuild, succeededBuild } from '../helpers/build-facts.ts';

describe('merge request text', () => {
  it('describes a series with its sender, patches, archive links and a footer that reads back', () => {
    const { title, description } = renderMergeRequest({
      seriesId: 'cover@x',
      title: 'greet by name',
      version: 2,
      sender: { name: 'Ada', address: 'ada@x' },
      summary: 'Why greeting by name helps.',
      patches: [{ part: 1, subject: 'hello: take a *name*', messageId: 'p1@x' }],
      messageIds: ['cover@x', 'p1@x'],
      archiveUrl: 'https://lore.example.org/{messageId}/',
      baseNote: null,
    });
    expect(title).toBe('greet by name');
    expect(description).toContain(
      'Why greeting by name helps.\n\nSent by Ada <ada@x> to the list (version 2).',
    );
    expect(description).toContain('1. hello: take a \\*name\\* ([mail](https://lore.example.org/p1%40x/))');
    expect(parseSeriesFooter(description)).toEqual({
      series: 'cover@x',
      version: 2,
      messages: ['cover@x', 'p1@x'],
    });
  });

  it('carries in its footer what a CI job reports with, and a subject holding "-->" does not end the comment', () => {
    const report = {
      subject: '[PATCH 0/1] arrows --> everywhere <b>',
      from: { name: 'Ada', address: 'ada@x' },
      patches: ['hello: --> arrow'],
      references: ['v1@x'],
      base: 'a'.repeat(40),
      head: 'b'.repeat(40),
    };
    const { description } = renderMergeRequest({
      seriesId: 'cover@x',
      title: 'arrows',
      version: 1,
      sender: report.from,
      summary: null,
      patches: [{ part: 1, subject: 'hello: --> arrow', messageId: 'p1@x' }],
      messageIds: ['cover@x', 'p1@x'],
      archiveUrl: undefined,
      baseNote: null,
      report,
    });
    const comment = description.slice(description.indexOf('<!-- patchferry-series'));
    expect(comment.indexOf('-->')).toBe(comment.length - 3);
    expect(parseSeriesFooter(description)).toEqual({
      series: 'cover@x',
      version: 1,
      messages: ['cover@x', 'p1@x'],
      report,
    });
    // Someone who breaks the report part costs the CI report, not the link to the series.
    const broken = description.replace(/"head":"b+"/, '"head":"not a commit"');
    expect(parseSeriesFooter(broken)).toEqual({
      series: 'cover@x',
      version: 1,
      messages: ['cover@x', 'p1@x'],
    });
  });

  it('makes a title one line of at most 255 characters, whatever the subject was', () => {
    const { title, description } = renderMergeRequest({
      seriesId: 'c@x',
      title: `line one\r\nline two ${'x'.repeat(2000)}`,
      version: 1,
      sender: { name: 'Mal\nlory', address: 'm@x' },
      summary: null,
      patches: [],
      messageIds: ['c@x'],
      archiveUrl: undefined,
      baseNote: null,
    });
    expect(title).toMatch(/^line one line two x+…$/);
    expect(title).toHaveLength(255);
    expect(description).toContain('Sent by Mal lory <m@x> to the list.');
  });

  it('shows a failed build with its error and the end of its log, and no install line', () => {
    const note = renderBuildNote({
      commit: 'c'.repeat(40),
      branch: 'master',
      builds: [
        succeededBuild('el9', ['a.rpm', 'b.rpm']),
        failedBuild('fc41', {
          logPath: '/logs/7.log',
          logTail: 'hello.c:1: error: missing_symbol',
          error: 'rpmbuild -ba failed',
        }),
      ],
    });
    expect(note.startsWith('**Build failed**: `master` at cccccccccccc')).toBe(true);
    expect(note).toContain('| el9 (x86_64) | 2 RPMs | http://r/el9/x86_64/ |');
    expect(note).toContain('| fc41 (x86_64) | **failed**: rpmbuild -ba failed | [build log](/logs/7.log) |');
    expect(note).toContain('```\nhello.c:1: error: missing_symbol\n```');
    expect(note).not.toContain('dnf config-manager');
  });

  it("links a failed build's commit status to its log, a built one's to its repository", () => {
    const failed = failedBuild('fc41', {
      logPath: 'http://r/logs/7.log',
      logTail: 'x',
      error: 'patch: broke',
    });
    expect(renderBuildStatus(failed).url).toBe('http://r/logs/7.log');
    expect(renderBuildStatus(succeededBuild('el9', ['h.rpm'])).url).toBe('http://r/el9/x86_64/');
  });
});
