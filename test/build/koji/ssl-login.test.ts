import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { KojiClient } from '../../../src/build/koji/client.ts';
import { silentLogger } from '../../../src/shared/log.ts';
import { KojiHub } from '../../servers/koji-hub.ts';
import { makeTestPki, type TestPki } from '../../helpers/tls-certs.ts';

const dir = mkdtempSync(join(tmpdir(), 'patchferry-koji-pki-'));
let pki: TestPki;
let hub: KojiHub;
beforeAll(async () => {
  pki = makeTestPki(dir);
  hub = new KojiHub({ tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.ca } });
  await hub.listen();
});
afterAll(async () => {
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

const loggedIn = z.object({ name: z.string(), authtype: z.number() }).nullable();

describe('Koji SSL login', () => {
  it('logs in with the client certificate over HTTPS: the user is its CN, authtype SSL', async () => {
    const c = new KojiClient({
      hub: { url: new URL(hub.hubUrl), tls: { ca: pki.ca, cert: pki.client.cert, key: pki.client.key } },
      login: { method: 'ssl' },
      log: silentLogger(),
      retries: 0,
    });
    expect(await c.call('getLoggedInUser', [], loggedIn, { session: true })).toEqual({
      name: 'builder',
      authtype: 2,
    });
  });

  it('reports a hub that refuses the login (HTTP 403, no certificate) as an HTTP error', async () => {
    const c = new KojiClient({
      hub: { url: new URL(hub.hubUrl), tls: { ca: pki.ca } },
      login: { method: 'ssl' },
      log: silentLogger(),
      retries: 0,
    });
    await expect(c.call('getLoggedInUser', [], loggedIn, { session: true })).rejects.toMatchObject({
      code: 'koji_http',
      status: 403,
      retryable: false,
    });
  });
});
