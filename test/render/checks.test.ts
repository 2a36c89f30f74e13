import { describe, expect, it } from 'vitest';
import type { CheckFacts } from '../../src/render/checks.ts';
import { renderBuildNote } from '../../src/render/merge-request.ts';
import { renderSeriesReport } from '../../src/render/report.ts';
import { succeededBuild } from '../helpers/build-facts.ts';
import { APPLIED, AUDIENCE, seriesFacts } from '../helpers/series-facts.ts';

const SERIES = seriesFacts();

const TESTING = 'http://r/testing/hello/master/el9/x86_64/';
const passed: CheckFacts = {
  state: 'passed',
  testingUrl: TESTING,
  stableUrl: 'http://r/stable/hello/master/el9/x86_64/',
  results: [{ name: 'version', passed: true, failure: null, tail: 'hello 1.0' }],
  tail: null,
};
const failed: CheckFacts = {
  state: 'failed',
  testingUrl: TESTING,
  stableUrl: null,
  results: [
    { name: 'version', passed: true, failure: null, tail: 'hello 1.0' },
    { name: 'smoke', passed: false, failure: 'exit 3', tail: 'line 1\nsmoke: greeting missing' },
  ],
  tail: null,
};
const withChecks = (checks: CheckFacts) => ({
  ...succeededBuild('el9', ['hello-1-1.el9.x86_64.rpm']),
  checks,
});

describe('the test stage in the reports', () => {
  it('lists each check that passed and where the build was promoted', () => {
    const m = renderSeriesReport(SERIES, APPLIED, [withChecks(passed)], AUDIENCE);
    expect(m.subject).toMatch(/\(patchferry: applied and built\)$/);
    expect(m.body).toContain(
      [
        `  tests, installed from the testing repository ${TESTING} into a fresh root:`,
        '    passed: version',
        '  promoted to stable: http://r/stable/hello/master/el9/x86_64/',
      ].join('\n'),
    );
    expect(m.cc).toEqual(['ada@x']);
  });

  it('names the check that failed with the end of its output, says the build stays in testing at which URL, and tells the failure recipients', () => {
    const m = renderSeriesReport(SERIES, APPLIED, [withChecks(failed)], AUDIENCE);
    expect(m.subject).toMatch(/\(patchferry: tests failed\)$/);
    expect(m.body).toContain(
      [
        '    passed: version',
        '    FAILED: smoke (exit 3), its output ends:',
        '      line 1',
        '      smoke: greeting missing',
        `  It stays in testing (check "smoke" failed): ${TESTING}`,
      ].join('\n'),
    );
    expect(m.cc).toEqual(['ada@x', 'boss@x']);
  });

  it('gives the status note one line per check and the failed output folded away', () => {
    const note = renderBuildNote({ commit: 'c'.repeat(40), branch: 'master', builds: [withChecks(failed)] });
    expect(note).toContain('- [x] el9: version passed');
    expect(note).toContain('- [ ] el9: smoke **failed** (exit 3)');
    expect(note).toContain(`- el9: stays in testing: ${TESTING}`);
    expect(note).toContain("<details><summary>the end of smoke's output on el9</summary>");
    expect(note).toContain('smoke: greeting missing');
    const ok = renderBuildNote({ commit: 'c'.repeat(40), branch: 'master', builds: [withChecks(passed)] });
    expect(ok).toContain('- el9: promoted to stable: http://r/stable/hello/master/el9/x86_64/');
  });

  it('says what dnf said when the build did not install', () => {
    const m = renderSeriesReport(
      SERIES,
      APPLIED,
      [
        withChecks({
          state: 'not-installed',
          testingUrl: TESTING,
          stableUrl: null,
          results: [],
          tail: 'nothing provides libfoo',
        }),
      ],
      AUDIENCE,
    );
    expect(m.body).toContain(
      'did not install from the testing repository into a fresh root; dnf said:\n    nothing provides libfoo',
    );
    expect(m.body).toContain(`  It stays in testing: ${TESTING}`);
    expect(m.subject).toMatch(/tests failed/);
  });
});
