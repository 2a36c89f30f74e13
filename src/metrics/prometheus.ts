import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Metrics, UnitRun } from '../ports/metrics.ts';
import type { Counts } from '../ports/overview.ts';

/** Seconds: a local build takes from seconds (the demo) to hours (a kernel). */
const BUILD_BUCKETS = [5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400];
/** Seconds: a publication runs createrepo_c over a growing repository. */
const PUBLISH_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export interface PrometheusMetrics {
  /** What the daemon tells (ports/metrics.ts). */
  readonly metrics: Metrics;
  /** The text exposition format of every metric, for GET /metrics. */
  exposition(): Promise<{ contentType: string; body: string }>;
}

/**
 * The daemon's metrics in Prometheus' text format, on a registry of their own. Counters and
 * histograms count what this process saw happen (since it started, as Prometheus expects of a
 * counter); gauges are read from the state database at each scrape (`counts`), so they say what is
 * true now whoever did it (a CLI run beside the daemon, a process before a restart).
 */
export function prometheusMetrics(o: { readonly counts: () => Counts }): PrometheusMetrics {
  const registry = new Registry();
  const registers = [registry];
  const mails = new Counter({
    name: 'patchferry_mails_received_total',
    help: 'Mails recorded for the first time.',
    registers,
  });
  const units = new Counter({
    name: 'patchferry_unit_runs_total',
    help: 'Runs of units of work by kind and how they ended (done, waiting, interrupted, retrying, dead).',
    labelNames: ['kind', 'outcome'] as const,
    registers,
  });
  const errors = new Counter({
    name: 'patchferry_errors_total',
    help: 'Failures by stage (a unit kind, or intake, queue, schedule) and error code.',
    labelNames: ['stage', 'code'] as const,
    registers,
  });
  const series = new Counter({
    name: 'patchferry_series_outcomes_total',
    help: 'Series units that ended, by outcome (applied, proposed, failed, …).',
    labelNames: ['outcome'] as const,
    registers,
  });
  const builds = new Histogram({
    name: 'patchferry_build_duration_seconds',
    help: 'Build units by target and state (succeeded, failed: the package; error: the builder), in seconds.',
    labelNames: ['target', 'state'] as const,
    buckets: BUILD_BUCKETS,
    registers,
  });
  const publishes = new Histogram({
    name: 'patchferry_publish_duration_seconds',
    help: 'Publications by state (succeeded, error), in seconds.',
    labelNames: ['state'] as const,
    buckets: PUBLISH_BUCKETS,
    registers,
  });

  // Gauges: one read of the database per scrape, shared by all of them.
  let snapshot: Counts | null = null;
  const read = () => (snapshot ??= o.counts());
  const gauge = (
    name: string,
    help: string,
    labelNames: readonly string[],
    values: (c: Counts) => readonly { labels: Record<string, string>; n: number }[],
  ) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const v of values(read())) this.set(v.labels, v.n);
      },
    });
  gauge('patchferry_mails', 'Mails recorded, by state.', ['state'], (c) =>
    c.mails.map((m) => ({ labels: { state: m.state }, n: m.n })),
  );
  gauge('patchferry_series', 'Series recorded, by state.', ['state'], (c) =>
    c.series.map((m) => ({ labels: { state: m.state }, n: m.n })),
  );
  gauge('patchferry_merge_requests', 'Merge requests opened for series, by state.', ['state'], (c) =>
    c.mergeRequests.map((m) => ({ labels: { state: m.state }, n: m.n })),
  );
  gauge('patchferry_builds', 'Builds recorded, by target and state.', ['target', 'state'], (c) =>
    c.builds.map((b) => ({ labels: { target: b.target, state: b.state }, n: b.n })),
  );
  gauge(
    'patchferry_queue_depth',
    'Units of work not done yet (pending, running, failed and waiting for a retry), by kind.',
    ['kind'],
    (c) => {
      const depth = new Map<string, number>();
      for (const u of c.units) if (u.state !== 'dead') depth.set(u.kind, (depth.get(u.kind) ?? 0) + u.n);
      return [...depth].map(([kind, n]) => ({ labels: { kind }, n }));
    },
  );
  gauge('patchferry_units_dead', 'Units given up on (see patchferry retry), by kind.', ['kind'], (c) =>
    c.units.filter((u) => u.state === 'dead').map((u) => ({ labels: { kind: u.kind }, n: u.n })),
  );

  const metrics: Metrics = {
    unitRan(run: UnitRun) {
      units.inc({ kind: run.kind, outcome: run.outcome });
      if (run.error) errors.inc({ stage: run.kind, code: run.error.code });
      if (run.outcome === 'waiting' || run.outcome === 'interrupted') return;
      if (run.kind === 'build') {
        const target = field(run.payload, 'platform') ?? 'unknown';
        const ok = field(run.result, 'ok');
        const state = run.outcome !== 'done' ? 'error' : ok === 'false' ? 'failed' : 'succeeded';
        builds.observe({ target, state }, run.seconds);
      } else if (run.kind === 'publish') {
        publishes.observe({ state: run.outcome === 'done' ? 'succeeded' : 'error' }, run.seconds);
      } else if (run.kind === 'series') {
        const outcome = run.outcome === 'done' ? (field(run.result, 'type') ?? 'done') : run.outcome;
        series.inc({ outcome });
      }
    },
    mailsReceived(count: number) {
      if (count > 0) mails.inc(count);
    },
    failed(stage: string, code: string) {
      errors.inc({ stage, code });
    },
  };
  return {
    metrics,
    async exposition() {
      snapshot = null;
      try {
        return { contentType: registry.contentType, body: await registry.metrics() };
      } finally {
        snapshot = null;
      }
    },
  };
}

/** A top-level field of a JSON value, as text (payloads and results are stored as JSON). */
function field(value: unknown, name: string): string | null {
  if (typeof value !== 'object' || value === null || !(name in value)) return null;
  const v = (value as Record<string, unknown>)[name];
  return v === null || v === undefined ? null : String(v);
}
