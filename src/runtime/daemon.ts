import { readSecret } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { prometheusMetrics, type PrometheusMetrics } from '../metrics/prometheus.ts';
import type { Counts } from '../ports/overview.ts';
import type { WebhookRoute } from '../server/webhooks.ts';
import type { Logger } from '../shared/log.ts';
import { webhookRoutes, type WebhookHandlers, type WebhookSettings } from './webhooks.ts';

/** What `patchferry serve` builds besides the context: metrics, the forge's webhook routes, the
 * console's token. */

const NOTHING: Counts = { mails: [], series: [], mergeRequests: [], builds: [], units: [] };

/** The daemon's metrics (Prometheus), its gauges read through `counts` at each scrape (nothing while
 * no database is open: between two configurations). One per process, so counters survive a reload. */
export function daemonMetrics(counts: () => Counts | null): PrometheusMetrics {
  return prometheusMetrics({ counts: () => counts() ?? NOTHING });
}

/** What receiving the configured forge's webhooks needs, its secrets read; null when the
 * configuration has no forge or no `forge.webhookSecretEnv` (merges are then found by polling). */
export function webhookSettings(cfg: Config, env: NodeJS.ProcessEnv): WebhookSettings | null {
  const forge = cfg.forge;
  if (!forge?.webhookSecretEnv) return null;
  const secret = readSecret(forge.webhookSecretEnv, 'forge.webhookSecretEnv', env);
  if (forge.type === 'gitlab') return { type: 'gitlab', secret };
  return {
    type: 'github',
    apiUrl: forge.url,
    token: readSecret(forge.tokenEnv, 'forge.tokenEnv', env),
    secret,
  };
}

/** The routes receiving the configured forge's webhooks; none without webhook settings. */
export async function forgeRoutes(
  cfg: Config,
  env: NodeJS.ProcessEnv,
  handlers: WebhookHandlers,
  log: Logger,
): Promise<WebhookRoute[]> {
  const settings = webhookSettings(cfg, env);
  return settings ? webhookRoutes(settings, handlers, log) : [];
}

/** The token that opens the console to other machines (`console.tokenEnv`), or null. */
export function consoleToken(cfg: Config, env: NodeJS.ProcessEnv): string | null {
  const name = cfg.console.tokenEnv;
  return name ? readSecret(name, 'console.tokenEnv', env) : null;
}
