import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { silentLogger } from '../../src/shared/log.ts';
import { hostAllowed } from '../../src/server/console-host.ts';
import { admitted, consoleRoute } from '../../src/server/console.ts';

const from = (remoteAddress: string, headers: Record<string, string> = {}) => ({
  socket: { remoteAddress },
  headers,
});

describe('who the console answers', () => {
  it('answers loopback clients, and others only with the configured token', () => {
    expect(admitted(from('127.0.0.1'), null)).toBe('yes');
    expect(admitted(from('::1'), null)).toBe('yes');
    expect(admitted(from('::ffff:127.0.0.1'), null)).toBe('yes');
    expect(admitted(from('192.0.2.7'), null)).toBe('no');
    expect(admitted(from('192.0.2.7'), 's3cret')).toBe('login');
    expect(admitted(from('192.0.2.7', { authorization: 'Bearer s3cret' }), 's3cret')).toBe('yes');
    expect(admitted(from('192.0.2.7', { authorization: 'Bearer wrong!' }), 's3cret')).toBe('login');
    expect(admitted(from('192.0.2.7', { cookie: 'a=b; patchferry_console=s3cret' }), 's3cret')).toBe('yes');
    expect(admitted(from('::ffff:192.0.2.7', { cookie: 'patchferry_console=s3cre' }), 's3cret')).toBe(
      'login',
    );
  });
});

describe('which names the console answers to (DNS rebinding)', () => {
  const at = { localPort: 8080, listen: '127.0.0.1', hosts: [] as string[] };

  it('answers the loopback names and the address it listens on, at its own port', () => {
    for (const host of [
      'localhost:8080',
      '127.0.0.1:8080',
      '127.0.0.2:8080',
      '[::1]:8080',
      'LOCALHOST',
      'app.localhost:8080',
    ])
      expect(hostAllowed(host, at), host).toBe(true);
    expect(hostAllowed('192.0.2.7:8080', { ...at, listen: '192.0.2.7' })).toBe(true);
    expect(hostAllowed('[2001:db8::7]:8080', { ...at, listen: '2001:db8::7' })).toBe(true);
  });

  it('refuses another name, another port, a wildcard listen address and a missing Host', () => {
    expect(hostAllowed('evil.example:8080', at)).toBe(false);
    expect(hostAllowed('localhost.evil.example:8080', at)).toBe(false);
    expect(hostAllowed('localhost:9090', at)).toBe(false);
    expect(hostAllowed('0.0.0.0:8080', { ...at, listen: '0.0.0.0' })).toBe(false);
    expect(hostAllowed(undefined, at)).toBe(false);
    expect(hostAllowed('a b', at)).toBe(false);
  });

  it('answers the names console.hosts lists, with their port when given', () => {
    const hosts = ['ci-box', 'patchferry.example.org:443'];
    expect(hostAllowed('ci-box:8080', { ...at, hosts })).toBe(true);
    expect(hostAllowed('patchferry.example.org:443', { ...at, hosts })).toBe(true);
    expect(hostAllowed('patchferry.example.org:8443', { ...at, hosts })).toBe(false);
  });

  it('over HTTP: a loopback client asking for a rebound name gets 421, one asking for localhost the console', async () => {
    const open = consoleRoute({
      state: () => null,
      token: null,
      listen: '127.0.0.1',
      hosts: [],
      log: silentLogger(),
    });
    const withToken = consoleRoute({
      state: () => null,
      token: 's3cret',
      listen: '127.0.0.1',
      hosts: [],
      log: silentLogger(),
    });
    const server = createServer((req, res) => void (req.headers.authorization ? withToken : open)(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    const get = (host: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/', headers: { ...headers, host } }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    const rebound = await get(`evil.example:${port}`);
    expect(rebound.status).toBe(421);
    expect(rebound.body).toContain('does not answer as evil.example');
    // Past the check: no configuration is loaded in this test, so the console says it is reloading.
    expect((await get(`localhost:${port}`)).status).toBe(503);
    // A client that gives the token proved who it is: the name it used does not matter.
    expect((await get(`patchferry.example.org`, { authorization: 'Bearer s3cret' })).status).toBe(503);
    expect((await get(`evil.example:${port}`, { authorization: 'Bearer wrong!' })).status).toBe(421);
  });
});
