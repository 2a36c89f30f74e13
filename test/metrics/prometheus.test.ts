import { describe, expect, it } from 'vitest';
import { prometheusMetrics } from '../../src/metrics/prometheus.ts';

describe('the Prometheus metrics', () => {
  it('times builds per target and state, counts errors by stage and code, and reads gauges at each scrape', async () => {
    let dead = 1;
    const m = prometheusMetrics({
      counts: () => ({
        mails: [{ state: 'final', n: 4 }],
        series: [{ state: 'applied', n: 2 }],
        mergeRequests: [{ state: 'open', n: 1 }],
        builds: [{ target: 'el9', state: 'succeeded', n: 3 }],
        units: [
          { kind: 'build', state: 'pending', n: 2 },
          { kind: 'build', state: 'running', n: 1 },
          { kind: 'mail', state: 'dead', n: dead },
        ],
      }),
    });
    const build = { kind: 'build' as const, key: 'build:hello:master:abc:el9', payload: { platform: 'el9' } };
    m.metrics.unitRan({ ...build, outcome: 'done', seconds: 42, error: null, result: { ok: true } });
    m.metrics.unitRan({ ...build, outcome: 'done', seconds: 7, error: null, result: { ok: false } });
    m.metrics.unitRan({
      ...build,
      outcome: 'retrying',
      seconds: 1,
      error: { code: 'rpmbuild_timeout', message: 'x' },
      result: null,
    });
    m.metrics.unitRan({ ...build, outcome: 'interrupted', seconds: 3, error: null, result: null });
    m.metrics.unitRan({
      kind: 'publish',
      key: 'publish:1',
      payload: { buildId: 1 },
      outcome: 'done',
      seconds: 0.3,
      error: null,
      result: null,
    });
    m.metrics.failed('intake', 'imap_unreachable');
    const { contentType, body } = await m.exposition();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(body).toMatch(/^patchferry_build_duration_seconds_count\{target="el9",state="succeeded"\} 1$/m);
    expect(body).toMatch(/^patchferry_build_duration_seconds_sum\{target="el9",state="succeeded"\} 42$/m);
    expect(body).toMatch(/^patchferry_build_duration_seconds_count\{target="el9",state="failed"\} 1$/m);
    expect(body).toMatch(/^patchferry_build_duration_seconds_count\{target="el9",state="error"\} 1$/m);
    expect(body).toMatch(/^patchferry_publish_duration_seconds_count\{state="succeeded"\} 1$/m);
    expect(body).toMatch(/^patchferry_errors_total\{stage="build",code="rpmbuild_timeout"\} 1$/m);
    expect(body).toMatch(/^patchferry_errors_total\{stage="intake",code="imap_unreachable"\} 1$/m);
    expect(body).toMatch(/^patchferry_unit_runs_total\{kind="build",outcome="interrupted"\} 1$/m);
    expect(body).toMatch(/^patchferry_queue_depth\{kind="build"\} 3$/m);
    expect(body).toMatch(/^patchferry_units_dead\{kind="mail"\} 1$/m);
    expect(body).toMatch(/^patchferry_builds\{target="el9",state="succeeded"\} 3$/m);
    expect(body).toMatch(/^patchferry_merge_requests\{state="open"\} 1$/m);

    dead = 0;
    expect((await m.exposition()).body).toMatch(/^patchferry_units_dead\{kind="mail"\} 0$/m);
  });
});
