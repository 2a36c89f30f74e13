import { afterEach, describe, expect, it } from 'vitest';
import { startWebhookServer, type WebhookServer } from '../../src/server/webhooks.ts';
import { silentLogger } from '../../src/shared/log.ts';

describe('the webhook server', () => {
  let server: WebhookServer | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  });
  it('on a port in use fails with a sentence saying what to do, not an unhandled error event', async () => {
    server = await startWebhookServer({ host: '127.0.0.1', port: 0, log: silentLogger(), routes: [] });
    const port = Number(new URL(server.url).port);
    const second = startWebhookServer({ host: '127.0.0.1', port, log: silentLogger(), routes: [] });
    await expect(second).rejects.toMatchObject({ code: 'serve_failed' });
    await expect(second).rejects.toThrow(/the port is in use; choose another with --port/);
  });

  it('sends each request to the route of its path, query aside, and answers 404 elsewhere', async () => {
    const seen: string[] = [];
    server = await startWebhookServer({
      host: '127.0.0.1',
      port: 0,
      log: silentLogger(),
      routes: [
        {
          path: '/a',
          handle: async (req, res) => {
            seen.push(`a ${req.method} ${req.url}`);
            res.end('a\n');
          },
        },
        {
          path: '/b',
          handle: async (_req, res) => {
            res.statusCode = 202;
            res.end('b\n');
          },
        },
      ],
    });
    expect(server.paths).toEqual(['/a', '/b']);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const a = await fetch(`${server.url}/a?delivery=1`, { method: 'POST', body: '{}' });
    expect([a.status, await a.text()]).toEqual([200, 'a\n']);
    expect((await fetch(`${server.url}/b`)).status).toBe(202);
    expect((await fetch(`${server.url}/a/more`)).status).toBe(404);
    expect((await fetch(`${server.url}/`)).status).toBe(404);
    expect(seen).toEqual(['a POST /a?delivery=1']);
  });

  it('answers 500 for a route that fails or does not answer, and keeps serving', async () => {
    server = await startWebhookServer({
      host: '127.0.0.1',
      port: 0,
      log: silentLogger(),
      routes: [
        {
          path: '/fails',
          handle: async () => {
            throw new Error('boom');
          },
        },
        { path: '/silent', handle: async () => {} },
      ],
    });
    expect((await fetch(`${server.url}/fails`, { method: 'POST' })).status).toBe(500);
    expect((await fetch(`${server.url}/silent`, { method: 'POST' })).status).toBe(500);
    expect((await fetch(`${server.url}/fails`, { method: 'POST' })).status).toBe(500);
  });

  it('refuses two routes for one path', async () => {
    const route = { path: '/x', handle: async () => {} };
    await expect(
      startWebhookServer({ host: '127.0.0.1', port: 0, log: silentLogger(), routes: [route, route] }),
    ).rejects.toThrow('two webhook routes for /x');
  });
});
