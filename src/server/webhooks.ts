import { createServer, type Server, type ServerResponse } from 'node:http';
import { createNodeMiddleware, Probot, ProbotOctokit } from 'probot';
import type { Logger } from '../shared/log.ts';
import { githubApp, type GitHubAppHandlers } from './github-app.ts';
import { gitlabHooks, type GitLabHookHandlers } from './gitlab-hooks.ts';

export interface WebhookServerOptions {
  readonly host: string;
  readonly port: number;
  /** probot and the GitLab receiver log here, with patchferry's level and redaction (a refused
   * delivery is a warning). */
  readonly log: Logger;
  /** GitHub's webhooks for the patchferry app, at /api/github/webhooks. */
  readonly github?: {
    /** The GitHub REST root the app's clients talk to. */
    readonly apiUrl: string;
    readonly token: string;
    readonly secret: string;
    readonly handlers: GitHubAppHandlers;
  };
  /** GitLab's project webhooks, at /api/gitlab/webhooks. */
  readonly gitlab?: { readonly secret: string; readonly handlers: GitLabHookHandlers };
}

export interface WebhookServer {
  readonly url: string;
  /** The paths webhooks are received at, for the forge's settings. */
  readonly paths: readonly string[];
  close(): Promise<void>;
}

export const GITHUB_PATH = '/api/github/webhooks';
export const GITLAB_PATH = '/api/gitlab/webhooks';

/** An HTTP server receiving a forge's webhooks; each delivery's signature or token is checked
 * against the secret before anything else is read. */
export async function startWebhookServer(o: WebhookServerOptions): Promise<WebhookServer> {
  const github = o.github
    ? await createNodeMiddleware(githubApp(o.github.handlers), {
        probot: new Probot({
          githubToken: o.github.token,
          secret: o.github.secret,
          Octokit: ProbotOctokit.defaults({ baseUrl: o.github.apiUrl.replace(/\/+$/, '') }),
          log: o.log,
        }),
      })
    : null;
  const gitlab = o.gitlab ? gitlabHooks(o.gitlab.secret, o.gitlab.handlers, o.log) : null;
  const notFound = (res: ServerResponse) => {
    if (res.writableEnded) return;
    res.statusCode = 404;
    res.end('not found\n');
  };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (gitlab && path === GITLAB_PATH) {
      void gitlab(req, res);
      return;
    }
    if (!github) return notFound(res);
    void Promise.resolve(github(req, res, () => notFound(res))).then((handled) => {
      if (handled === false) notFound(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(o.port, o.host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  return {
    url: `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`,
    paths: [...(github ? [GITHUB_PATH] : []), ...(gitlab ? [GITLAB_PATH] : [])],
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
