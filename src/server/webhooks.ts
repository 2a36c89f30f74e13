import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { PatchferryError, errorMessage } from '../shared/errors.ts';
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
  /** The routes, or a function asked at each request (the daemon's routes change when its
   * configuration is reloaded). */
  readonly routes: readonly WebhookRoute[] | (() => readonly WebhookRoute[]);
  /** Answers the paths no route has (the console); 404 without it. */
  readonly fallback?: () => WebhookRoute['handle'] | null;
  /** Where a route that fails unexpectedly is logged. */
  readonly log: Logger;
}

export interface WebhookServer {
  readonly url: string;
  /** The paths webhooks are received at, for the forge's settings. */
  readonly paths: readonly string[];
  close(): Promise<void>;
}

/** A plain HTTP server, the daemon's one port: each request goes to the route of its path (the
 * query aside), any other path to the fallback, else 404. What a forge sends and how it is checked
 * is the routes' business. */
export async function startWebhookServer(o: WebhookServerOptions): Promise<WebhookServer> {
  const table = (list: readonly WebhookRoute[]) => {
    const routes = new Map<string, WebhookRoute>();
    for (const route of list) {
      if (routes.has(route.path)) throw new Error(`two webhook routes for ${route.path}`);
      routes.set(route.path, route);
    }
    return routes;
  };
  const fixed = typeof o.routes === 'function' ? null : table(o.routes);
  const current = () => fixed ?? table(typeof o.routes === 'function' ? o.routes() : o.routes);
  const paths = [...current().keys()];
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const fallback = o.fallback?.();
    const route = current().get(path) ?? (fallback ? { path, handle: fallback } : undefined);
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
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new PatchferryError(
          'serve_failed',
          `cannot listen on ${o.host}:${o.port}: ${err.code === 'EADDRINUSE' ? 'the port is in use; choose another with --port (0 picks a free one)' : err.code === 'EADDRNOTAVAIL' ? 'this machine has no such address; give one of its own with --host' : err.message}`,
          { cause: err },
        ),
      ),
    );
    server.listen(o.port, o.host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  return {
    url: `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`,
    paths,
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
