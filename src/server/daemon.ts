import type { Config } from '../config/schema.ts';
import { runNightly } from '../app/pipeline/pipeline.ts';
import { mergeRequestMerged } from '../app/propose/merges.ts';
import { consoleToken, daemonMetrics, forgeRoutes } from '../runtime/daemon.ts';
import { withContext, type Context } from '../runtime/context.ts';
import { ConfigError, errorMessage } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import { consoleRoute, type ConsoleState } from './console.ts';
import { healthRoutes } from './health.ts';
import { cronSchedule, runSchedule, type Schedule } from './scheduler.ts';
import { watch, type WatchOptions } from './watch.ts';
import { startWebhookServer, type WebhookRoute, type WebhookServer } from './webhooks.ts';

export interface DaemonOptions {
  readonly config: Config;
  /** Reads the configuration file again (SIGHUP); throws a ConfigError when it is not valid. */
  readonly reload: () => Config;
  readonly env: NodeJS.ProcessEnv;
  readonly log: Logger;
  readonly host: string;
  readonly port: number;
  readonly pollMs: number;
  /** SIGTERM, Ctrl-C: stop taking work; running units get work.shutdownSeconds to finish. */
  readonly signal: AbortSignal;
  /** Registers the listener of SIGHUP. */
  readonly onHangup: (listener: () => void) => void;
  /** Told once the port listens, and again after each reload, what it serves. */
  readonly onListening: (server: WebhookServer, webhookPaths: readonly string[]) => void;
  readonly onRun: WatchOptions['onRun'];
}

/** One configuration's daemon: its context and what the routes read from it. */
interface Generation {
  readonly ctx: Context;
  readonly webhooks: readonly WebhookRoute[];
  readonly console: ConsoleState;
}

const NIGHTLY_POSITION = 'schedule:nightly';

/**
 * `patchferry serve`: one process, one port. The mailbox watch, the workers, the nightly schedule
 * and, on the port, /healthz, /readyz, /metrics, the forge's webhooks and the console. SIGHUP reads
 * the configuration again: a valid one replaces the running one (the loops stop as on SIGTERM,
 * within work.shutdownSeconds, and start again on it; the port and the metrics stay); an invalid
 * one is logged and the one in use kept.
 */
export async function runDaemon(o: DaemonOptions): Promise<void> {
  let live: Generation | null = null;
  let lastProgress = Date.now();
  const prom = daemonMetrics(() => live?.ctx.store.overview.counts() ?? null);
  let consoleHandle = consoleRoute({
    state: () => live?.console ?? null,
    token: null,
    listen: o.host,
    hosts: o.config.console.hosts,
    log: o.log,
  });
  const health = healthRoutes({
    state: () => (live ? { ctx: live.ctx, lastProgress: () => lastProgress } : null),
    exposition: () => prom.exposition(),
  });
  const server = await startWebhookServer({
    host: o.host,
    port: o.port,
    log: o.log.child({ component: 'http' }),
    routes: () => [...health, ...(live?.webhooks ?? [])],
    fallback: () => consoleHandle,
  });

  let config = o.config;
  let previous: Config | null = null;
  let hangup = () => {};
  o.onHangup(() => hangup());
  try {
    while (!o.signal.aborted) {
      const generation = new AbortController();
      const stop = () => generation.abort();
      o.signal.addEventListener('abort', stop, { once: true });
      let next: Config | null = null;
      hangup = () => {
        try {
          next = o.reload();
          o.log.info({}, 'configuration reloaded; the daemon restarts its loops on it');
          generation.abort();
        } catch (err) {
          o.log.error({ err: errorMessage(err) }, 'configuration not reloaded; the one in use is kept');
        }
      };
      try {
        await withContext(
          config,
          o.log,
          async (ctx) => {
            let poke = () => {};
            const webhooks = await forgeRoutes(
              config,
              o.env,
              {
                merged: (event) => {
                  if (mergeRequestMerged(ctx, event)) poke();
                  return Promise.resolve();
                },
              },
              o.log.child({ component: 'webhooks' }),
            );
            consoleHandle = consoleRoute({
              state: () => live?.console ?? null,
              token: consoleToken(config, o.env),
              listen: o.host,
              hosts: config.console.hosts,
              log: o.log.child({ component: 'console' }),
            });
            const schedule = config.schedule.nightly
              ? cronSchedule(config.schedule.nightly, config.schedule.timezone)
              : null;
            live = {
              ctx,
              webhooks,
              console: {
                ctx,
                nextNightly: () => schedule?.next(new Date()) ?? null,
                poke: () => poke(),
              },
            };
            o.onListening(
              server,
              webhooks.map((w) => w.path),
            );
            previous = config;
            await Promise.all([
              watch(ctx, {
                pollMs: o.pollMs,
                signal: generation.signal,
                graceMs: config.work.shutdownSeconds * 1000,
                onReady: (p) => (poke = p),
                onRun: o.onRun,
                metrics: prom.metrics,
                onProgress: () => (lastProgress = Date.now()),
              }),
              schedule ? nightly(ctx, schedule, generation.signal, () => poke(), prom.metrics) : null,
            ]);
          },
          o.env,
        );
      } catch (err) {
        // A reloaded configuration the context cannot be built from (a secret's variable unset):
        // back to the one that ran.
        if (!(err instanceof ConfigError) || !previous || previous === config) throw err;
        o.log.error({ err: errorMessage(err) }, 'configuration not reloaded; the one in use is kept');
        next = previous;
      } finally {
        live = null;
        o.signal.removeEventListener('abort', stop);
      }
      if (!next) break;
      config = next;
    }
  } finally {
    await server.close();
  }
}

/** The nightly schedule of one generation: the pipeline's work queued, the workers woken. */
function nightly(
  ctx: Context,
  schedule: Schedule,
  signal: AbortSignal,
  poke: () => void,
  metrics: { failed(stage: string, code: string): void },
): Promise<void> {
  return runSchedule({
    schedule,
    signal,
    log: ctx.log.child({ component: 'schedule' }),
    last: () => {
      const at = ctx.store.positions.get(NIGHTLY_POSITION);
      return at ? new Date(at) : null;
    },
    record: (at) => ctx.store.positions.set(NIGHTLY_POSITION, at.toISOString()),
    run: async (at) => {
      try {
        await runNightly(ctx, at);
      } catch (err) {
        metrics.failed('schedule', (err as { code?: string }).code ?? 'unexpected');
        throw err;
      }
      poke();
    },
  });
}
