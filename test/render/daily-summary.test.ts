import { describe, expect, it } from 'vitest';
import { renderDailySummary } from '../../src/render/daily-summary.ts';

const series = (state: string) => ({
  id: `${state}@x`,
  project: 'hello',
  branch: 'master',
  version: 1,
  total: 1,
  title: 'greet by name',
  sender: 'Ada <ada@x>',
  state,
  firstSeen: '2026-11-29T10:00:00Z',
  updatedAt: '2026-11-29T10:00:00Z',
  mergeRequestUrl: null,
});
const facts = { day: '2026-11-29', builds: [], publications: [], dead: [], building: [] };

describe('the daily summary', () => {
  it("links the archive of the day's patches when a series was applied, and only then", () => {
    const url = 'http://repos.example/patches/';
    const applied = renderDailySummary({ ...facts, series: [series('applied')], archiveUrl: url });
    expect(applied.body).toContain(`The applied series' mails, by day: ${url}`);
    const failed = renderDailySummary({ ...facts, series: [series('failed')], archiveUrl: url });
    expect(failed.body).not.toContain(url);
  });
});
