import { createServer, type Server } from 'node:http';
import { createNodeMiddleware, Probot, ProbotOctokit } from 'probot';
import type { Logger } from '../shared/log.ts';
import { githubApp, type GitHubAppHandlers } from './github-app.ts';

export interface WebhookServerOptions {
  readonly host: string;
  readonly port: number;
  /** The GitHub REST root the app's clients talk to. */
  readonly apiUrl: string;
  readonly token: string;
  readonly secret: string;
  readonly handlers: GitHubAppHandlers;
  /** probot logs here, with patchferry's level and redaction (a refused signature is a warning). */
  readonly log: Logger;
}

export interface WebhookServer {
  readonly url: string;
  close(): Promise<void>;
}

/** An HTTP server receiving GitHub's webhooks at /api/github/webhooks for the patchferry app; each
 * delivery's signature is checked against the secret before anything is read. */
export async function startWebhookServer(o: WebhookServerOptions): Promise<WebhookServer> {
  const probot = new Probot({
    githubToken: o.token,
    secret: o.secret,
    Octokit: ProbotOctokit.defaults({ baseUrl: o.apiUrl.replace(/\/+$/, '') }),
    log: o.log,
  });
  const middleware = await createNodeMiddleware(githubApp(o.handlers), { probot });
  const server: Server = createServer((req, res) => {
    void Promise.resolve(
      middleware(req, res, () => {
        res.statusCode = 404;
        res.end('not found\n');
      }),
    ).then((handled) => {
      if (handled === false && !res.writableEnded) {
        res.statusCode = 404;
        res.end('not found\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(o.port, o.host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  return {
    url: `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
