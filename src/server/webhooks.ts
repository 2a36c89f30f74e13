import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { errorMessage } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';

/** One path the server answers, and what answers it. The route checks the delivery itself (a
 * signature, a token) before it reads anything else. */
export interface WebhookRoute {
  readonly path: string;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export interface WebhookServerOptions {
  readonly host: string;
  readonly port: number;
  readonly routes: readonly WebhookRoute[];
  /** Where a route that fails unexpectedly is logged. */
  readonly log: Logger;
}

export interface WebhookServer {
  readonly url: string;
  /** The paths webhooks are received at, for the forge's settings. */
  readonly paths: readonly string[];
  close(): Promise<void>;
}

/** A plain HTTP server receiving webhooks: each request goes to the route of its path (the query
 * aside); any other path is 404. What a forge sends and how it is checked is the routes' business. */
export async function startWebhookServer(o: WebhookServerOptions): Promise<WebhookServer> {
  const routes = new Map<string, WebhookRoute>();
  for (const route of o.routes) {
    if (routes.has(route.path)) throw new Error(`two webhook routes for ${route.path}`);
    routes.set(route.path, route);
  }
  const server: Server = createServer((req, res) => {
    const route = routes.get((req.url ?? '/').split('?')[0] ?? '/');
    if (!route) return answer(res, 404, 'not found');
    route.handle(req, res).then(
      () => {
        if (res.writableEnded) return;
        o.log.error({ path: route.path }, 'webhook route did not answer');
        answer(res, 500, 'the webhook could not be handled');
      },
      (err: unknown) => {
        o.log.error({ err: errorMessage(err), path: route.path }, 'webhook route failed');
        if (!res.headersSent) answer(res, 500, 'the webhook could not be handled');
        else res.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(o.port, o.host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  return {
    url: `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`,
    paths: [...routes.keys()],
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function answer(res: ServerResponse, status: number, message: string): void {
  res.statusCode = status;
  res.end(`${message}\n`);
}
