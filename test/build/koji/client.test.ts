import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { KojiClient } from '../../../src/build/koji/client.ts';
import { KojiError } from '../../../src/build/koji/errors.ts';
import { TaskPoller } from '../../../src/build/koji/poller.ts';
import { buildTarget, kojiInt, taskInfo, taskOutput } from '../../../src/build/koji/schemas.ts';
import { CHUNK_BYTES, adler32, hex32, uploadSrpm } from '../../../src/build/koji/upload.ts';
import { silentLogger } from '../../../src/shared/log.ts';
import { KojiHub } from '../../servers/koji-hub.ts';
import { tempDir } from '../../helpers/tmp.ts';

const hub = new KojiHub();
beforeAll(() => hub.listen());
afterAll(() => hub.close());

function client(o: Partial<ConstructorParameters<typeof KojiClient>[0]> = {}): KojiClient {
  return new KojiClient({
    hub: { url: new URL(hub.hubUrl) },
    login: { method: 'password', user: 'builder', password: 'secret' },
    log: silentLogger(),
    retries: 2,
    retryBaseMs: 5,
    timeoutMs: 2000,
    ...o,
  });
}

async function submit(c: KojiClient, file = 'greeter-0.1-1.src.rpm'): Promise<number> {
  const dir = tempDir();
  const path = join(dir, file);
  writeFileSync(path, 'srpm bytes');
  const src = await uploadSrpm(c, path);
  return c.call('build', [src, 'epel9-candidate', { scratch: true }, 5], kojiInt, { session: true });
}

describe('Koji client against the test hub', () => {
  it('parses <i8> ids and string sizes to numbers', async () => {
    const c = client();
    const id = await submit(c);
    hub.tasks.settle();
    const info = await c.call('getTaskInfo', [id, false, false], taskInfo);
    expect(info.id).toBe(id);
    expect(info.state).toBe(2);
    const kids = await c.call('getTaskChildren', [id, false, false], z.array(taskInfo));
    const arch = kids.find((k) => k.method === 'buildArch');
    const out = await c.call('listTaskOutput', [arch?.id, true], taskOutput);
    expect(typeof out['build.log']?.st_size).toBe('number');
  });

  it('reports an HTTP error as HTTP, with its status, and retries a 503', async () => {
    const c = client({ retries: 0 });
    hub.failNext(502, '<html><body>Bad Gateway</body></html>');
    const err = await c
      .call('getBuildTarget', ['epel9-candidate', null, false], buildTarget)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KojiError);
    expect(err).toMatchObject({ code: 'koji_http', status: 502, retryable: true });
    hub.failNext(503);
    const target = await client().call('getBuildTarget', ['epel9-candidate', null, false], buildTarget);
    expect(target?.dest_tag_name).toBe('epel9-testing');
  });

  it('retries while the hub is offline (1014) and gives up with a retryable error', async () => {
    hub.offline = true;
    const err = await client()
      .call('getBuildTarget', ['x', null, false], buildTarget)
      .catch((e: unknown) => e);
    hub.offline = false;
    expect(err).toMatchObject({ code: 'koji_offline', fault: 1014, retryable: true });
  });

  it('times out a call the hub never answers, and stops one its signal aborts', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const c = new KojiClient({
      hub: { url: new URL(`http://127.0.0.1:${port}/kojihub`) },
      login: null,
      log: silentLogger(),
      retries: 0,
      timeoutMs: 100,
    });
    await expect(c.call('getTaskInfo', [1], taskInfo)).rejects.toMatchObject({
      code: 'koji_timeout',
      retryable: true,
    });
    const stop = new AbortController();
    const call = c.call('getTaskInfo', [1], taskInfo, { signal: stop.signal });
    stop.abort();
    await expect(call).rejects.toMatchObject({ code: 'koji_aborted', retryable: false });
    silent.closeAllConnections();
    silent.close();
  });

  it('refuses a write without a configured login, and maps a bad password to koji_auth', async () => {
    await expect(
      client({ login: null }).call('cancelTask', [1], z.null(), { session: true }),
    ).rejects.toMatchObject({ code: 'koji_config' });
    const bad = client({ login: { method: 'password', user: 'builder', password: 'wrong' } });
    await expect(bad.call('cancelTask', [1], z.null(), { session: true })).rejects.toMatchObject({
      code: 'koji_auth',
      fault: 1002,
    });
  });

  it('logs in again once when the session dies mid-run (1002)', async () => {
    const c = client();
    await submit(c);
    hub.expireSessions();
    const before = hub.requests.filter((r) => r.method === 'login').length;
    await submit(c);
    expect(hub.requests.filter((r) => r.method === 'login').length).toBe(before + 1);
  });

  it('never builds twice when an answer is lost: the retry carries the same call number (1009)', async () => {
    const c = client();
    await submit(c);
    const tasks = hub.tasks.tasks.size;
    hub.dropAnswerOf('build');
    const err = await submit(c).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'koji_call_done', fault: 1009, retryable: false });
    // The dropped build was done once; its retry was refused.
    expect(hub.tasks.tasks.size).toBe(tasks + 1);
  });

  it('uploads an SRPM of several chunks whose adler32 the hub confirms', async () => {
    const dir = tempDir();
    const file = join(dir, 'big-1-1.src.rpm');
    const data = Buffer.alloc(CHUNK_BYTES * 2 + 1234);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919) & 0xff;
    writeFileSync(file, data);
    const before = hub.requests.filter((r) => r.method === 'upload').length;
    const path = await uploadSrpm(client(), file);
    expect(hub.requests.filter((r) => r.method === 'upload').length).toBe(before + 3);
    expect(hub.uploads.get(path)?.equals(data)).toBe(true);
  });

  it('computes adler32 as zlib does, in one piece or continued', () => {
    expect(hex32(adler32(Buffer.from('Wikipedia')))).toBe('11e60398');
    const all = Buffer.alloc(70_000, 0xff);
    expect(adler32(all.subarray(40_000), adler32(all.subarray(0, 40_000)))).toBe(adler32(all));
  });

  it('answers per call in a multiCall: a fault for one task leaves the others', async () => {
    const c = client();
    const id = await submit(c);
    const [ok, missing] = await c.multiCall([
      { method: 'getTaskInfo', params: [id, false, false], schema: taskInfo.nullable() },
      { method: 'getTaskResult', params: [99_999_999], schema: taskInfo.nullable() },
    ]);
    expect(ok).toMatchObject({ id });
    expect(missing).toBeInstanceOf(KojiError);
  });

  it('polls every watched build in one multiCall per round', async () => {
    const c = client();
    const ids = [await submit(c), await submit(c), await submit(c)];
    const poller = new TaskPoller({ client: c, log: silentLogger(), freshMs: 60_000, gatherMs: 5 });
    for (const id of ids) poller.watch(id);
    const before = hub.requests.filter((r) => r.method === 'multiCall').length;
    const trees = await Promise.all(ids.map((id) => poller.tree(id)));
    // A unit asking a moment later is answered from the same round.
    await poller.tree(ids[0] as number);
    expect(hub.requests.filter((r) => r.method === 'multiCall').length).toBe(before + 1);
    expect(trees.map((t) => t.top.id)).toEqual(ids);
    expect(poller.rounds).toBe(1);
  });
});
