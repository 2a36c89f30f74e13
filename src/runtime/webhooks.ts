import { createNodeMiddleware, Probot, ProbotOctokit } from 'probot';
import { githubApp } from '../forge/github/app.ts';
import { gitlabWebhook } from '../forge/gitlab/webhook.ts';
import type { MergedEvent } from '../app/propose/merges.ts';
import type { Forge } from '../ports/forge.ts';
import { startWebhookServer, type WebhookRoute, type WebhookServer } from '../server/webhooks.ts';
import type { Logger } from '../shared/log.ts';

export const GITHUB_PATH = '/api/github/webhooks';
export const GITLAB_PATH = '/api/gitlab/webhooks';

/** What receiving the configured forge's webhooks takes, its secrets already read. */
export type WebhookSettings =
  | {
      readonly type: 'github';
      /** The GitHub REST root the app's installation clients talk to. */
      readonly apiUrl: string;
      readonly token: string;
      readonly secret: string;
    }
  | { readonly type: 'gitlab'; readonly secret: string };

export interface WebhookHandlers {
  /** A merge request was merged. `forge` is the one to answer on when the delivery brings its own
   * (the GitHub App's installation); without it, the configured forge. */
  merged(event: MergedEvent, forge?: Forge): Promise<void>;
}

/** An HTTP server on `host`:`port` receiving the configured forge's webhooks (webhookRoutes). */
export async function startForgeWebhooks(
  settings: WebhookSettings,
  handlers: WebhookHandlers,
  server: { readonly host: string; readonly port: number; readonly log: Logger },
): Promise<WebhookServer> {
  return startWebhookServer({ ...server, routes: await webhookRoutes(settings, handlers, server.log) });
}

/** The routes that receive the configured forge's webhooks: the probot app at GITHUB_PATH (its
 * deliveries' signatures checked with the secret), or GitLab's project hooks at GITLAB_PATH
 * (X-Gitlab-Token checked). probot and the GitLab receiver log to `log`. */
export async function webhookRoutes(
  settings: WebhookSettings,
  handlers: WebhookHandlers,
  log: Logger,
): Promise<WebhookRoute[]> {
  if (settings.type === 'gitlab') {
    return [{ path: GITLAB_PATH, handle: gitlabWebhook(settings.secret, handlers, log) }];
  }
  const middleware = await createNodeMiddleware(githubApp(handlers, log), {
    probot: new Probot({
      githubToken: settings.token,
      secret: settings.secret,
      Octokit: ProbotOctokit.defaults({ baseUrl: settings.apiUrl.replace(/\/+$/, '') }),
      log,
    }),
    webhooksPath: GITHUB_PATH,
  });
  return [
    {
      path: GITHUB_PATH,
      handle: async (req, res) => {
        // probot answers the path it was given and passes anything else on.
        if ((await middleware(req, res)) === false && !res.writableEnded) {
          res.statusCode = 404;
          res.end('not found\n');
        }
      },
    },
  ];
}
