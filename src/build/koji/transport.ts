import http from 'node:http';
import https, { type RequestOptions } from 'node:https';
import { Readable } from 'node:stream';
import xmlrpc from 'xmlrpc';
import Deserializer from 'xmlrpc/lib/deserializer.js';
import { KojiError, faultError } from './errors.ts';

/** Where a hub answers: its XML-RPC URL (`https://koji.example.org/kojihub`), the CA its
 * certificate is checked against when not a public one, and the client certificate for SSL login
 * (PEM text). */
export interface HubEndpoint {
  readonly url: URL;
  readonly tls?: { readonly cert?: string; readonly key?: string; readonly ca?: string };
}

export interface CallOptions {
  /** Milliseconds the whole call (connect, send, answer) may take. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  readonly headers?: Readonly<Record<string, string>>;
  /** A path other than the hub's own, e.g. `/kojihub/ssllogin`. */
  readonly path?: string;
}

/**
 * One XML-RPC call through npm `xmlrpc`, with what it lacks: a time limit and an AbortSignal, HTTP
 * errors reported as such (it turns every status but 404 into "Invalid XML-RPC message"), and faults
 * mapped to KojiError. Resolves with the decoded value (`<i8>` still a string: schemas parse it).
 * A client is made per call from an options object (a URL string would lose the query string), so
 * concurrent calls share no mutable state.
 */
export function xmlrpcCall(
  hub: HubEndpoint,
  method: string,
  params: readonly unknown[],
  opts: CallOptions,
): Promise<unknown> {
  const { signal, timedOut } = callSignal(opts);
  const options: Exclude<Parameters<typeof xmlrpc.createClient>[0], string> & RequestOptions = {
    host: hub.url.hostname,
    port: hub.url.port === '' ? undefined : Number(hub.url.port),
    path: opts.path ?? `${hub.url.pathname}${hub.url.search}`,
    headers: { ...opts.headers },
    signal,
    ...(hub.tls ?? {}),
  };
  const secure = hub.url.protocol === 'https:';
  const client = secure ? xmlrpc.createSecureClient(options) : xmlrpc.createClient(options);
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(transportError(method, signal.reason, timedOut(), opts.timeoutMs));
    let settled = false;
    client.methodCall(method, [...params], (err: unknown, value: unknown) => {
      if (settled) return;
      settled = true;
      if (!err) return resolve(value);
      reject(callError(method, err, signal, timedOut(), opts.timeoutMs));
    });
  });
}

/** Reads an XML-RPC answer the hub gave with `status`, with the same mapping as a call's. */
function readXmlrpcAnswer(method: string, status: number, body: string): Promise<unknown> {
  if (status !== 200) return Promise.reject(httpError(method, status, body));
  return new Promise((resolve, reject) => {
    new Deserializer().deserializeMethodResponse(Readable.from([body]), (err, value) => {
      if (!err) return resolve(value);
      reject(faultOf(method, err) ?? invalid(method, err));
    });
  });
}

export function callSignal(opts: { timeoutMs: number; signal?: AbortSignal }): {
  signal: AbortSignal;
  timedOut: () => boolean;
} {
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  return { signal, timedOut: () => timeout.aborted && !opts.signal?.aborted };
}

function callError(
  method: string,
  err: unknown,
  signal: AbortSignal,
  timedOut: boolean,
  timeoutMs: number,
): KojiError {
  const fault = faultOf(method, err);
  if (fault) return fault;
  const res = (err as { res?: { statusCode?: number } }).res;
  const body = (err as { body?: string }).body ?? '';
  if (res?.statusCode !== undefined && res.statusCode !== 200) return httpError(method, res.statusCode, body);
  if (signal.aborted) return transportError(method, err, timedOut, timeoutMs);
  if (res !== undefined) return invalid(method, err);
  return new KojiError('koji_network', `Koji ${method}: cannot reach the hub: ${messageOf(err)}`, {
    cause: err,
    retryable: true,
  });
}

export function transportError(
  method: string,
  cause: unknown,
  timedOut: boolean,
  timeoutMs: number,
): KojiError {
  return timedOut
    ? new KojiError('koji_timeout', `Koji ${method}: no answer within ${timeoutMs} ms`, {
        cause,
        retryable: true,
      })
    : new KojiError('koji_aborted', `Koji ${method}: stopped`, { cause });
}

function faultOf(method: string, err: unknown): KojiError | null {
  const e = err as { faultCode?: unknown; faultString?: unknown };
  if (typeof e.faultCode !== 'number') return null;
  return faultError(method, e.faultCode, typeof e.faultString === 'string' ? e.faultString : '');
}

function httpError(method: string, status: number, body: string): KojiError {
  const excerpt = body
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
  return new KojiError(
    'koji_http',
    `Koji ${method}: the hub answered HTTP ${status}${excerpt ? `: ${excerpt}` : ''}${status === 403 ? ' (a login by certificate needs a certificate the hub accepts)' : ''}`,
    { status, retryable: status >= 500 || status === 408 || status === 429 },
  );
}

function invalid(method: string, err: unknown): KojiError {
  return new KojiError(
    'koji_response_invalid',
    `Koji ${method}: the answer is not XML-RPC: ${messageOf(err)}`,
    {
      cause: err,
      retryable: true,
    },
  );
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** POSTs raw bytes to the hub's URL with `query` (the upload endpoint) and reads the XML-RPC answer. */
export function postBytes(
  hub: HubEndpoint,
  query: URLSearchParams,
  body: Uint8Array,
  opts: CallOptions & { readonly method: string },
): Promise<unknown> {
  const { signal, timedOut } = callSignal(opts);
  const transport = hub.url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      {
        host: hub.url.hostname,
        port: hub.url.port === '' ? undefined : Number(hub.url.port),
        path: `${hub.url.pathname}?${query.toString()}`,
        method: 'POST',
        headers: {
          ...opts.headers,
          'Content-Type': 'application/octet-stream',
          'Content-Length': body.length,
        },
        signal,
        ...(hub.tls ?? {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => reject(transportError(opts.method, err, timedOut(), opts.timeoutMs)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          readXmlrpcAnswer(opts.method, res.statusCode ?? 0, text).then(resolve, reject);
        });
      },
    );
    req.on('error', (err) =>
      reject(
        signal.aborted
          ? transportError(opts.method, err, timedOut(), opts.timeoutMs)
          : new KojiError('koji_network', `Koji ${opts.method}: cannot reach the hub: ${messageOf(err)}`, {
              cause: err,
              retryable: true,
            }),
      ),
    );
    req.end(body);
  });
}
