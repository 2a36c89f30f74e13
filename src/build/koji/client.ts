import type { z } from 'zod';
import { backoffDelay, sleep } from '../../shared/backoff.ts';
import type { Logger } from '../../shared/log.ts';
import { FAULT, KojiError, faultError } from './errors.ts';
import { sessionInfo, type SessionInfo } from './schemas.ts';
import { xmlrpcCall, type HubEndpoint } from './transport.ts';

/** How the client logs in for calls that write: by the client certificate of `hub.tls`
 * (`sslLogin`, the user is the certificate's CN) or by user and password (`login`). */
export type KojiLogin =
  | { readonly method: 'ssl' }
  | { readonly method: 'password'; readonly user: string; readonly password: string };

export interface KojiClientOptions {
  readonly hub: HubEndpoint;
  readonly login: KojiLogin | null;
  readonly log: Logger;
  /** Milliseconds one call may take; 60 s when absent. */
  readonly timeoutMs?: number;
  /** Tries after the first when the hub is offline (1014) or unreachable; 3 when absent. */
  readonly retries?: number;
  /** The first retry waits about this long (ms), each next one twice as long; 1 s when absent. */
  readonly retryBaseMs?: number;
}

export interface Call {
  readonly method: string;
  readonly params: readonly unknown[];
}

export interface CallOpts {
  readonly signal?: AbortSignal;
  /** The call needs a session (build, cancelTask, checkUpload): made in turn, each with the next call number. */
  readonly session?: boolean;
}

/** Session headers as hubs ≥ 1.30 take them; 1.35.3 reads the call number from `Koji-Callnum`, later
 * hubs (and Koji's own client) use `Koji-Session-Callnum`, so both go (../shared/notes/koji.md). */
export function sessionHeaders(session: SessionInfo, callnum: number): Record<string, string> {
  return {
    'Koji-Session-Id': String(session['session-id']),
    'Koji-Session-Key': session['session-key'],
    'Koji-Callnum': String(callnum),
    'Koji-Session-Callnum': String(callnum),
  };
}

/**
 * A typed client of one Koji hub. Reads go without a session, so any number may run at once; writes
 * are made one at a time in a session, each with the next call number: a write retried after a lost
 * answer carries the same number, and a hub that already did it answers fault 1009 (KojiError
 * `koji_call_done`) instead of doing it twice. A session refused mid-run (1002, 1007) or used by
 * another client (1008) is replaced once by logging in again. Transport failures and an offline hub
 * (1014) are retried `retries` times with backoff; then the KojiError says whether a later retry helps.
 */
export class KojiClient {
  readonly hub: HubEndpoint;
  readonly #o: KojiClientOptions;
  readonly #timeoutMs: number;
  #session: SessionInfo | null = null;
  #callnum = 0;
  #writes: Promise<unknown> = Promise.resolve();

  constructor(o: KojiClientOptions) {
    this.#o = o;
    this.hub = o.hub;
    this.#timeoutMs = o.timeoutMs ?? 60_000;
  }

  /** One call; its answer parsed by `schema` (a KojiError `koji_response_invalid` if it does not fit). */
  async call<S extends z.ZodType>(
    method: string,
    params: readonly unknown[],
    schema: S,
    opts: CallOpts = {},
  ): Promise<z.output<S>> {
    const raw = opts.session
      ? await this.withSession(
          method,
          (headers) => xmlrpcCall(this.hub, method, params, { ...this.#callOpts(opts.signal), headers }),
          opts.signal,
        )
      : await this.#retrying(method, opts.signal, () =>
          xmlrpcCall(this.hub, method, params, this.#callOpts(opts.signal)),
        );
    return parse(method, schema, raw);
  }

  /** Many reads in one HTTP request (`multiCall`): each answer parsed by its call's schema, or the
   * KojiError of its own fault; the request as a whole fails only when the hub cannot be reached. */
  async multiCall<S extends z.ZodType>(
    calls: readonly (Call & { readonly schema: S })[],
    opts: { readonly signal?: AbortSignal } = {},
  ): Promise<(z.output<S> | KojiError)[]> {
    if (calls.length === 0) return [];
    const param = calls.map((c) => ({ methodName: c.method, params: [...c.params] }));
    const raw = await this.#retrying('multiCall', opts.signal, () =>
      xmlrpcCall(this.hub, 'multiCall', [param], this.#callOpts(opts.signal)),
    );
    if (!Array.isArray(raw) || raw.length !== calls.length) {
      throw new KojiError('koji_response_invalid', `Koji multiCall: expected ${calls.length} answers`, {
        retryable: true,
      });
    }
    return raw.map((entry: unknown, i) => {
      const call = calls[i] as Call & { schema: S };
      if (Array.isArray(entry) && entry.length === 1) {
        try {
          return parse(call.method, call.schema, entry[0]);
        } catch (err) {
          return err as KojiError;
        }
      }
      const f = entry as { faultCode?: unknown; faultString?: unknown };
      if (typeof f.faultCode === 'number')
        return faultError(call.method, f.faultCode, String(f.faultString ?? ''));
      return new KojiError(
        'koji_response_invalid',
        `Koji multiCall: answer ${i} of ${call.method} is neither a result nor a fault`,
      );
    });
  }

  /** Headers of the current session with the next call number, logging in first when needed: for
   * requests the client does not make through XML-RPC (the raw upload endpoint). Made in turn with
   * the other session calls; `send` gets the headers and does the request. */
  withSession<T>(
    method: string,
    send: (headers: Record<string, string>) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    return this.#serial(() => this.#inSession(method, send, signal));
  }

  /** Ends the session on the hub; a client without one does nothing. */
  async logout(signal?: AbortSignal): Promise<void> {
    await this.#serial(async () => {
      const session = this.#session;
      if (!session) return;
      this.#session = null;
      await xmlrpcCall(this.hub, 'logout', [], {
        ...this.#callOpts(signal),
        headers: sessionHeaders(session, this.#callnum++),
      }).catch(() => undefined);
    });
  }

  /** Sends with the session's headers; a session the hub refused (1002, 1007, 1008) is replaced
   * once by logging in again, since the hub did not act on a call it refused. */
  async #inSession<T>(
    method: string,
    send: (headers: Record<string, string>) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    let relogged = false;
    for (;;) {
      const session = await this.#ensureSession(signal);
      const callnum = this.#callnum++;
      try {
        return await this.#retrying(method, signal, () => send(sessionHeaders(session, callnum)));
      } catch (err) {
        const fault = err instanceof KojiError ? err.fault : null;
        const stale = fault === FAULT.auth || fault === FAULT.authExpired || fault === FAULT.sequence;
        if (!stale || relogged) throw err;
        this.#o.log.info({ method, fault }, 'Koji session refused; logging in again');
        this.#session = null;
        relogged = true;
      }
    }
  }

  async #ensureSession(signal?: AbortSignal): Promise<SessionInfo> {
    if (this.#session) return this.#session;
    const login = this.#o.login;
    if (!login) {
      throw new KojiError(
        'koji_config',
        'Koji: this call needs a login; configure builder.auth (ssl or password)',
      );
    }
    const raw =
      login.method === 'ssl'
        ? await this.#retrying('sslLogin', signal, () =>
            xmlrpcCall(this.hub, 'sslLogin', [], {
              ...this.#callOpts(signal),
              path: `${this.hub.url.pathname.replace(/\/$/, '')}/ssllogin`,
            }),
          )
        : await this.#retrying('login', signal, () =>
            xmlrpcCall(this.hub, 'login', [login.user, login.password], this.#callOpts(signal)),
          );
    this.#session = parse(login.method === 'ssl' ? 'sslLogin' : 'login', sessionInfo, raw);
    this.#callnum = 0;
    this.#o.log.info({ session: this.#session['session-id'], method: login.method }, 'Koji session opened');
    return this.#session;
  }

  /** Tries `attempt` again after transport failures and an offline hub; the caller keeps whatever
   * makes the retry harmless (the call number). */
  async #retrying<T>(method: string, signal: AbortSignal | undefined, attempt: () => Promise<T>): Promise<T> {
    const retries = this.#o.retries ?? 3;
    for (let n = 0; ; n++) {
      try {
        return await attempt();
      } catch (err) {
        if (!(err instanceof KojiError) || !err.retryable || n >= retries || signal?.aborted) throw err;
        if (err.code === 'koji_session_expired' || err.code === 'koji_sequence') throw err;
        const ms = backoffDelay(n, this.#o.retryBaseMs ?? 1000, 30_000);
        this.#o.log.warn({ method, code: err.code, retryInMs: Math.round(ms) }, 'Koji call failed; retrying');
        await sleep(ms, signal);
      }
    }
  }

  #serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.#writes.then(run, run);
    this.#writes = next.catch(() => undefined);
    return next;
  }

  #callOpts(signal?: AbortSignal) {
    return { timeoutMs: this.#timeoutMs, signal };
  }
}

function parse<S extends z.ZodType>(method: string, schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new KojiError(
    'koji_response_invalid',
    `Koji ${method}: unexpected answer: ${parsed.error.message.slice(0, 300)}`,
    {
      cause: parsed.error,
    },
  );
}
