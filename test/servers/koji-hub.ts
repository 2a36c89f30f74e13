import {
  createServer as createHttp,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { Readable } from 'node:stream';
import xmlrpc from 'xmlrpc';
import Deserializer from 'xmlrpc/lib/deserializer.js';
import { serializeFault, serializeMethodResponse } from 'xmlrpc/lib/serializer.js';
import { STATE, TaskBoard, taskDir, taskRow, type HubTask } from './koji-tasks.ts';

/** A fault as the hub raises it (koji.GenericError and subclasses carry `faultCode`). */
class Fault extends Error {
  readonly faultCode: number;
  constructor(faultCode: number, message: string) {
    super(message);
    this.faultCode = faultCode;
  }
}

interface Session {
  readonly id: number;
  readonly key: string;
  readonly user: string;
  readonly authtype: number;
  /** The call number of the last call that wrote; null before one did. */
  lastWrite: number | null;
  valid: boolean;
}

interface Caller {
  readonly session: Session | null;
  readonly callnum: number | null;
}

/** Calls that change the hub: the hub commits their call number, so a repeat is refused (1009). */
const WRITES = new Set(['build', 'cancelTask', 'upload']);

/**
 * A stateful Koji hub for tests, speaking XML-RPC over HTTP(S) on 127.0.0.1 as a 1.35 hub does
 * (../shared/notes/koji.md): `login`/`sslLogin` sessions with the id, key and call-number headers
 * (1002 for a dead session, 1008 for a stale call number, 1009 for a repeated write), `build` and its
 * task tree (koji-tasks.ts), `multiCall`, the raw chunked upload with adler32 and `checkUpload`,
 * `<i8>` ids and string sizes, and the task files under `{url}/kojifiles/work/` (the topurl layout).
 * Tests drive time (`tasks.tick()`) and inject faults (`offline`, `failNext`, `dropAnswerOf`).
 */
export class KojiHub {
  readonly tasks = new TaskBoard();
  readonly users = new Map<string, string>([['builder', 'secret']]);
  readonly targets = new Map<string, { arches: string[]; destTag: string; locked: boolean }>();
  readonly uploads = new Map<string, Buffer>();
  /** Every XML-RPC call, upload and file request, in order (`multiCall` counted once). */
  readonly requests: { method: string; session: number | null }[] = [];
  /** 1014 for every call while true. */
  offline = false;
  /** Hosts whose git URLs the builders may fetch (allowed_scms). */
  allowedScms = ['forge.example.org'];
  /** Users the hub's build_from_srpm policy lets build real (not scratch) builds from an SRPM. */
  readonly srpmBuilders = new Set<string>();
  /** Packages Koji builds once, as noarch, whatever the target's arches. */
  readonly noarchPackages = new Set<string>();
  /** `name-version-release` of packages built from an SCM URL. */
  scmNvr = 'greeter-0.1-1';
  url = '';
  readonly #sessions = new Map<number, Session>();
  #nextSession = 100;
  #httpFaults: { status: number; body: string }[] = [];
  #drop = new Set<string>();
  #server: Server | null = null;
  readonly #tls: { cert: string; key: string; ca: string } | null;

  /** With `tls` the hub serves HTTPS and asks for client certificates signed by `ca` (sslLogin). */
  constructor(opts: { tls?: { cert: string; key: string; ca: string } } = {}) {
    this.#tls = opts.tls ?? null;
    this.targets.set('epel9-candidate', {
      arches: ['x86_64', 'aarch64', 'ppc64le'],
      destTag: 'epel9-testing',
      locked: false,
    });
  }

  /** The next `times` XML-RPC requests get this HTTP answer (a proxy's 502, a 503 in maintenance). */
  failNext(status: number, body = '<html><body>Service Unavailable</body></html>', times = 1): void {
    for (let i = 0; i < times; i++) this.#httpFaults.push({ status, body });
  }

  /** The next call of `method` is done, but its answer is lost (the connection drops). */
  dropAnswerOf(method: string): void {
    this.#drop.add(method);
  }

  /** Ends every session, as an expiry or a hub restart with a new database would. */
  expireSessions(): void {
    for (const s of this.#sessions.values()) s.valid = false;
  }

  get hubUrl(): string {
    return `${this.url}/kojihub`;
  }

  get topurl(): string {
    return `${this.url}/kojifiles`;
  }

  async listen(): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.#serve(req, res);
    this.#server = this.#tls
      ? createHttps({ ...this.#tls, requestCert: true, rejectUnauthorized: false }, handler)
      : createHttp(handler);
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    const address = this.#server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    this.url = `${this.#tls ? 'https' : 'http'}://127.0.0.1:${address.port}`;
    return this.url;
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname.startsWith('/kojifiles/work/'))
      return this.#file(url.pathname, res);
    if (req.method !== 'POST' || !url.pathname.startsWith('/kojihub')) return end(res, 404, 'Not Found');
    const body = await readAll(req);
    const injected = this.#httpFaults.shift();
    if (injected) return end(res, injected.status, injected.body, 'text/html');
    if (url.searchParams.has('filename')) return this.#upload(req, url.searchParams, body, res);
    let method: string;
    let params: unknown[];
    try {
      [method, params] = await parseCall(body);
    } catch (err) {
      return end(res, 400, `bad request: ${String(err)}`);
    }
    if (url.pathname === '/kojihub/ssllogin') {
      if (method !== 'sslLogin') return end(res, 404, 'Not Found');
      const cn = this.#peerCn(req);
      if (!cn)
        return end(res, 403, '<html><body>Forbidden: no client certificate</body></html>', 'text/html');
      this.requests.push({ method, session: null });
      return answer(res, this.#open(cn, 2));
    }
    let caller: Caller;
    try {
      caller = this.#caller(req);
    } catch (err) {
      return answer(res, err);
    }
    this.requests.push({ method, session: caller.session?.id ?? null });
    let value: unknown;
    try {
      value = this.#dispatch(method, params, caller);
    } catch (err) {
      value = err;
    }
    if (this.#drop.delete(method)) {
      req.socket.destroy();
      return;
    }
    answer(res, value);
  }

  #caller(req: IncomingMessage): Caller {
    if (this.offline) throw new Fault(1014, 'server is offline');
    const id = header(req, 'koji-session-id');
    if (id === null) return { session: null, callnum: null };
    const session = this.#sessions.get(Number(id));
    if (!session || !session.valid || session.key !== header(req, 'koji-session-key')) {
      throw new Fault(1002, 'Invalid session or bad credentials');
    }
    const raw = header(req, 'koji-callnum') ?? header(req, 'koji-session-callnum');
    const callnum = raw === null ? null : Number(raw);
    return { session, callnum };
  }

  /** koji/auth.py's sequence check: lower than the last committed number → 1008, equal → 1009. */
  #sequence(caller: Caller, method: string): void {
    const { session, callnum } = caller;
    if (!session || callnum === null || session.lastWrite === null) return;
    if (callnum < session.lastWrite)
      throw new Fault(1008, `${session.lastWrite} > ${callnum} (session ${session.id})`);
    if (callnum === session.lastWrite) {
      throw new Fault(1009, `unable to retry call ${callnum} (method ${method}) for session ${session.id}`);
    }
  }

  #dispatch(method: string, params: unknown[], caller: Caller): unknown {
    this.#sequence(caller, method);
    const value = this.#call(method, kwargsStripped(params), caller);
    if (WRITES.has(method) && caller.session && caller.callnum !== null)
      caller.session.lastWrite = caller.callnum;
    return value;
  }

  #call(method: string, p: unknown[], caller: Caller): unknown {
    switch (method) {
      case 'login': {
        const [user, password] = p as [string, string];
        if (this.users.get(user) !== password) throw new Fault(1002, 'Invalid session or bad credentials');
        return this.#open(user, 0);
      }
      case 'logout':
        if (caller.session) caller.session.valid = false;
        return null;
      case 'getLoggedInUser':
        return caller.session
          ? { id: 1, name: caller.session.user, authtype: caller.session.authtype }
          : null;
      case 'multiCall':
        return (p[0] as { methodName: string; params: unknown[] }[]).map((c) => {
          try {
            if (c.methodName === 'multiCall') throw new Fault(1000, 'multicall cannot be nested');
            return [this.#call(c.methodName, kwargsStripped(c.params), caller)];
          } catch (err) {
            return faultStruct(err);
          }
        });
      case 'getBuildTarget': {
        const name = p[0] as string;
        const t = this.targets.get(name);
        return t
          ? {
              id: 7,
              name,
              build_tag: 8,
              build_tag_name: `${name}-build`,
              dest_tag: 9,
              dest_tag_name: t.destTag,
            }
          : null;
      }
      case 'getTag': {
        const t = [...this.targets.values()].find((x) => x.destTag === p[0] || p[0] === 9);
        return t ? { id: 9, name: t.destTag, locked: t.locked, arches: t.arches.join(' ') } : null;
      }
      case 'build':
        return this.#build(p, caller);
      case 'cancelTask':
        this.#mustLogIn(caller);
        this.tasks.cancel(p[0] as number);
        return null;
      case 'getTaskInfo':
        return this.#task(p[0]) ? taskRow(this.#task(p[0]) as HubTask) : null;
      case 'getTaskChildren':
        return this.tasks.children(Number(p[0])).map(taskRow);
      case 'getTaskResult': {
        const t = this.#mustTask(p[0]);
        if (t.state === STATE.FAILED && t.fault) {
          if (p[1] !== false) throw new Fault(t.fault.faultCode, t.fault.faultString);
          return t.fault;
        }
        if (t.state !== STATE.CLOSED) throw new Fault(1000, `Task ${t.id} is not finished`);
        return t.result;
      }
      case 'listTaskOutput': {
        const t = this.#mustTask(p[0]);
        if (p[1] !== true) return [...t.files.keys()];
        // st_size travels as a string (koji.encode_int), the times as doubles.
        return Object.fromEntries(
          [...t.files].map(([name, data]) => [
            name,
            { st_size: String(data.length), st_mtime: 1.7e9, st_atime: 1.7e9, st_ctime: 1.7e9 },
          ]),
        );
      }
      case 'downloadTaskOutput': {
        const t = this.#mustTask(p[0]);
        const data = t.files.get(p[1] as string);
        if (!data) throw new Fault(1000, `no file ${String(p[1])} output by task ${t.id}`);
        const offset = Number(p[2] ?? 0);
        const size = Number(p[3] ?? -1);
        if (-offset > data.length) throw new Fault(1000, '[Errno 22] Invalid argument');
        const start = offset < 0 ? data.length + offset : offset;
        const slice = data.subarray(start, size < 0 ? undefined : start + size);
        return slice.toString('base64');
      }
      case 'checkUpload': {
        this.#mustLogIn(caller);
        const data = this.uploads.get(`${String(p[0])}/${String(p[1])}`);
        if (!data) return null;
        return {
          size: String(data.length),
          mtime: 1.7e9,
          sumlength: data.length,
          hexdigest: adler32Hex(data),
        };
      }
      default:
        throw new Fault(1000, `Invalid method: ${method}`);
    }
  }

  #build(p: unknown[], caller: Caller): number | xmlrpc.CustomType {
    const session = this.#mustLogIn(caller);
    const [src, target, opts, priority] = p as [
      string,
      string,
      Record<string, unknown> | null,
      number | null,
    ];
    const scratch = opts?.scratch === true;
    let nvr: string;
    if (/^git(\+https|\+ssh)?:\/\//.test(src)) {
      const host = new URL(src.replace(/^git\+/, '')).hostname;
      if (!this.allowedScms.includes(host)) throw new Fault(1000, `Unauthorized SCM: ${src}`);
      if (!/#[0-9a-f]{7,40}$/.test(src)) throw new Fault(1000, `SCM URL must end in #<commit>: ${src}`);
      nvr = this.scmNvr;
    } else {
      if (!this.uploads.has(src)) throw new Fault(1000, `No such file: ${src}`);
      if (!scratch && !this.srpmBuilders.has(session.user)) {
        throw new Fault(1004, 'only admins may build from an SRPM without --scratch');
      }
      nvr = (src.split('/').pop() ?? '').replace(/\.src\.rpm$/, '');
    }
    // The hub does not check the target at submit (notes): a task for a missing one fails later.
    // A noarch package is built once, as noarch (`noarchPackages` names them).
    const name = nvr.replace(/-[^-]+-[^-]+$/, '');
    const arches = this.noarchPackages.has(name) ? ['noarch'] : (this.targets.get(target)?.arches ?? []);
    const task = this.tasks.submit({ src, target, scratch, nvr, arches }, session.user, 20 + (priority ?? 0));
    return task.id;
  }

  #upload(req: IncomingMessage, q: URLSearchParams, body: Buffer, res: ServerResponse): void {
    let caller: Caller;
    try {
      caller = this.#caller(req);
      this.requests.push({ method: 'upload', session: caller.session?.id ?? null });
      this.#mustLogIn(caller);
      this.#sequence(caller, 'upload');
    } catch (err) {
      return answer(res, err);
    }
    const key = `${q.get('filepath') ?? ''}/${q.get('filename') ?? ''}`;
    const offset = Number(q.get('offset') ?? 0);
    const had = this.uploads.get(key) ?? Buffer.alloc(0);
    if (offset !== had.length && q.get('overwrite') !== '1') {
      return answer(
        res,
        new Fault(1000, `upload offset ${offset} does not match the file's size ${had.length}`),
      );
    }
    this.uploads.set(key, Buffer.concat([had.subarray(0, offset), body]));
    if (caller.session && caller.callnum !== null) caller.session.lastWrite = caller.callnum;
    answer(res, {
      size: body.length,
      fileverify: q.get('fileverify') ?? '',
      offset: String(offset),
      hexdigest: adler32Hex(body),
    });
  }

  #file(path: string, res: ServerResponse): void {
    const m = /^\/kojifiles\/work\/tasks\/(\d+)\/(\d+)\/([^/]+)$/.exec(path);
    const task = m ? this.tasks.tasks.get(Number(m[2])) : undefined;
    const data =
      m && task && taskDir(task.id) === `tasks/${m[1]}/${m[2]}` ? task.files.get(m[3] as string) : undefined;
    this.requests.push({ method: 'GET', session: null });
    if (!data) return end(res, 404, 'Not Found');
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
    res.end(data);
  }

  #open(user: string, authtype: number): unknown {
    const id = this.#nextSession++;
    const session: Session = {
      id,
      key: `${id}-${Math.random().toString(36).slice(2)}`,
      user,
      authtype,
      lastWrite: null,
      valid: true,
    };
    this.#sessions.set(id, session);
    return { 'session-id': id, 'session-key': session.key, 'header-auth': true };
  }

  #mustLogIn(caller: Caller): Session {
    if (!caller.session) throw new Fault(1004, 'Not logged-in');
    return caller.session;
  }

  #task(id: unknown): HubTask | undefined {
    return this.tasks.tasks.get(Number(id));
  }

  #mustTask(id: unknown): HubTask {
    const t = this.#task(id);
    if (!t) throw new Fault(1000, `No such task: ${String(id)}`);
    return t;
  }

  #peerCn(req: IncomingMessage): string | null {
    const socket = req.socket as TLSSocket;
    if (typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return null;
    const cn = socket.getPeerCertificate().subject?.CN;
    return typeof cn === 'string' ? cn : null;
  }
}

function header(req: IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  return typeof v === 'string' ? v : null;
}

/** Keyword arguments arrive as a last struct marked `__starstar`; the test hub takes them by position. */
function kwargsStripped(params: unknown[]): unknown[] {
  const last = params.at(-1) as Record<string, unknown> | undefined;
  return last && typeof last === 'object' && last.__starstar ? params.slice(0, -1) : params;
}

function faultStruct(err: unknown): { faultCode: number; faultString: string } {
  return err instanceof Fault
    ? { faultCode: err.faultCode, faultString: err.message }
    : { faultCode: 1000, faultString: String(err) };
}

function answer(res: ServerResponse, value: unknown): void {
  const xml =
    value instanceof Error ? serializeFault(faultStruct(value)) : serializeMethodResponse(withI8(value));
  end(res, 200, xml, 'text/xml');
}

/** Task ids past 2^31 and sizes travel as `<i8>` on real hubs; ids in the test range are small, so
 * every `id` the hub sends is marked `<i8>` to keep the client honest about parsing it. */
function withI8(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withI8);
  if (
    value &&
    typeof value === 'object' &&
    !Buffer.isBuffer(value) &&
    !(value instanceof xmlrpc.CustomType)
  ) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, k === 'id' && typeof v === 'number' ? i8(v) : withI8(v)]),
    );
  }
  return value;
}

function i8(n: number): xmlrpc.CustomType {
  const t = new xmlrpc.CustomType(String(n));
  t.tagName = 'i8';
  return t;
}

function end(res: ServerResponse, status: number, body: string, type = 'text/plain'): void {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function parseCall(body: Buffer): Promise<[string, unknown[]]> {
  return new Promise((resolve, reject) => {
    new Deserializer().deserializeMethodCall(Readable.from([body.toString('utf8')]), (err, method, params) =>
      err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve([method, params]),
    );
  });
}

function adler32Hex(data: Buffer): string {
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return (((b << 16) | a) >>> 0).toString(16).padStart(8, '0');
}
