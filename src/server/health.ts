import type { ServerResponse } from 'node:http';
import type { Deps } from '../app/deps.ts';
import { errorMessage } from '../shared/errors.ts';
import type { WebhookRoute } from './webhooks.ts';

/** What /readyz looks at; null while the daemon reloads its configuration. */
export interface HealthState {
  readonly ctx: Deps;
  /** When a worker last ended a unit or found nothing due (ms since the epoch). */
  lastProgress(): number;
}

export interface Readiness {
  readonly ready: boolean;
  readonly checks: {
    /** Each mail source holding a connection: true, false, or null for files (nothing to hold). */
    readonly mailboxes: readonly { source: string; connected: boolean | null }[];
    readonly database: { ok: boolean; error?: string };
    /** Stuck: a unit has been due longer than `stuckAfterSeconds`, nothing runs and no worker
     * ended a unit or looked for one in that time. */
    readonly queue: {
      ok: boolean;
      oldestDueSeconds: number | null;
      running: number;
      stuckAfterSeconds: number;
    };
  };
}

/** Whether the daemon can do its work now: every mailbox connected, the database takes a write,
 * and the queue is not stuck (a unit due for longer than a lease while no worker moves). */
export function readiness(state: HealthState, now = Date.now()): Readiness {
  const { ctx } = state;
  const mailboxes = ctx.sources.map((s) => ({ source: s.name, connected: s.connected() }));
  let database: Readiness['checks']['database'] = { ok: true };
  try {
    ctx.store.overview.probeWrite();
  } catch (err) {
    database = { ok: false, error: errorMessage(err) };
  }
  const stuckAfterSeconds = ctx.config.work.leaseSeconds;
  const due = ctx.store.overview.oldestDue(now);
  const oldestDueSeconds = due === null ? null : Math.round((now - due) / 1000);
  const running = ctx.store.overview
    .counts()
    .units.filter((u) => u.state === 'running')
    .reduce((n, u) => n + u.n, 0);
  const quiet = (now - state.lastProgress()) / 1000 > stuckAfterSeconds;
  const stuck = oldestDueSeconds !== null && oldestDueSeconds > stuckAfterSeconds && running === 0 && quiet;
  const queue = { ok: !stuck, oldestDueSeconds, running, stuckAfterSeconds };
  return {
    ready: mailboxes.every((m) => m.connected !== false) && database.ok && queue.ok,
    checks: { mailboxes, database, queue },
  };
}

/**
 * /healthz (the process answers), /readyz (readiness above, 503 when not ready or reloading) and
 * /metrics (Prometheus' text format, from `exposition`).
 */
export function healthRoutes(o: {
  readonly state: () => HealthState | null;
  readonly exposition: () => Promise<{ contentType: string; body: string }>;
}): WebhookRoute[] {
  return [
    { path: '/healthz', handle: (_req, res) => Promise.resolve(json(res, 200, { alive: true })) },
    {
      path: '/readyz',
      handle: (_req, res) => {
        const state = o.state();
        if (!state) return Promise.resolve(json(res, 503, { ready: false, reloading: true }));
        const r = readiness(state);
        return Promise.resolve(json(res, r.ready ? 200 : 503, r));
      },
    },
    {
      path: '/metrics',
      handle: async (_req, res) => {
        const { contentType, body } = await o.exposition();
        res.writeHead(200, { 'content-type': contentType });
        res.end(body);
      },
    },
  ];
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(`${JSON.stringify(value)}\n`);
}
