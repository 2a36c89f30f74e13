import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Deps } from '../app/deps.ts';
import { runPipeline } from '../app/pipeline/pipeline.ts';
import { renderConsole, renderLogin, page, escapeHtml } from '../render/console.ts';
import { PatchferryError, errorMessage } from '../shared/errors.ts';
import { hostAllowed } from './console-host.ts';
import type { Logger } from '../shared/log.ts';

/** What the console reads and acts on; null while the daemon reloads its configuration. */
export interface ConsoleState {
  readonly ctx: Deps;
  /** The next nightly run, or null when none is scheduled. */
  nextNightly(): Date | null;
  /** Asks the daemon's workers to look for due units now. */
  poke(): void;
}

export interface ConsoleOptions {
  readonly state: () => ConsoleState | null;
  /** Opens the console to clients not on this machine (cookie or `Authorization: Bearer`); without
   * it only loopback clients get it. */
  readonly token: string | null;
  /** The address the daemon listens on (`--host`) and the further names it answers as
   * (console.hosts): a loopback client asking for any other Host is refused (console-host.ts). */
  readonly listen: string;
  readonly hosts: readonly string[];
  readonly log: Logger;
}

const COOKIE = 'patchferry_console';
const NOTICES: Record<string, string> = {
  pipeline: 'Pipeline queued: its builds appear below as they are taken up.',
  retry: 'The unit was asked for again; it runs as soon as a worker is free.',
};
const LIMIT = { series: 30, mergeRequests: 30, builds: 50, dead: 50 };

/**
 * The web console (direct mode's start button): every path the daemon's other routes do not take.
 * GET / shows recent series, merge requests, builds per target, published repositories with their
 * dnf lines, units given up on and the next nightly run; POST /pipeline queues the nightly work
 * narrowed by the form; POST /retry asks for a dead unit again; GET /builds/<id>/log serves a build
 * log. Every POST carries the page's CSRF token. Loopback clients only, unless a token is set.
 */
export function consoleRoute(
  o: ConsoleOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const csrf = randomBytes(24).toString('base64url');
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://console');
    const access = admitted(req, o.token);
    // Trusting loopback clients is safe only when the browser asked for this console by name: a
    // rebound name of another site sends its own Host (421, Misdirected Request). A token-bearer
    // proved who it is by the token, whatever name it used.
    if (
      viaLoopback(req, o.token) &&
      !hostAllowed(req.headers.host, { localPort: req.socket.localPort, listen: o.listen, hosts: o.hosts })
    )
      return html(
        res,
        421,
        page(
          'patchferry',
          `<p>This console does not answer as ${escapeHtml(req.headers.host ?? '(no Host)')}; open it at localhost, or add the name to console.hosts.</p>`,
        ),
      );
    if (url.pathname === '/login') return login(req, res, o.token);
    if (access !== 'yes') {
      if (access === 'login') return redirect(res, '/login');
      return html(
        res,
        403,
        page(
          'patchferry',
          '<p>The console answers this machine only; set console.tokenEnv to open it to others.</p>',
        ),
      );
    }
    const state = o.state();
    if (!state) return html(res, 503, page('patchferry', '<p>Reloading the configuration; try again.</p>'));
    if (req.method === 'POST') {
      const form = await readForm(req);
      if (!sameToken(form.get('csrf') ?? '', csrf) || !sameOrigin(req))
        return html(
          res,
          403,
          page('patchferry', '<p>The form has expired; reload the page and try again.</p>'),
        );
      if (url.pathname === '/pipeline') return pipeline(res, state, form, csrf);
      if (url.pathname === '/retry') {
        const key = form.get('key') ?? '';
        if (state.ctx.store.work.reopen(key)) state.poke();
        o.log.info({ key }, 'console: unit asked for again');
        return redirect(res, '/?done=retry');
      }
      return html(res, 404, page('patchferry', '<p>Not found.</p>'));
    }
    const log = /^\/builds\/(\d+)\/log$/.exec(url.pathname);
    if (log) return buildLog(res, state, Number(log[1]));
    if (url.pathname !== '/') return html(res, 404, page('patchferry', '<p>Not found.</p>'));
    return html(res, 200, view(state, csrf, NOTICES[url.searchParams.get('done') ?? ''] ?? null));
  };
}

function view(state: ConsoleState, csrf: string, notice: string | null): string {
  const { config, store } = state.ctx;
  const o = store.overview;
  return renderConsole({
    now: new Date().toISOString(),
    csrf,
    nextNightly: state.nextNightly()?.toISOString() ?? null,
    timezone: config.schedule.timezone,
    projects: Object.entries(config.projects).map(([name, p]) => ({
      name,
      branches: p.branches,
      platforms: p.platforms,
    })),
    series: o.recentSeries(LIMIT.series),
    mergeRequests: o.recentMergeRequests(LIMIT.mergeRequests),
    builds: o.recentBuilds(LIMIT.builds),
    queued: o.queuedBuilds(),
    publications: o.publications(),
    dists: Object.fromEntries(Object.entries(config.platforms).map(([name, p]) => [name, p.dist])),
    dead: o.deadUnits(LIMIT.dead),
    notice,
  });
}

async function pipeline(
  res: ServerResponse,
  state: ConsoleState,
  form: URLSearchParams,
  csrf: string,
): Promise<void> {
  const project = form.get('project') || undefined;
  const branch = form.get('branch') || undefined;
  const platforms = form.getAll('platforms').filter(Boolean);
  try {
    await runPipeline(state.ctx, {
      ...(project ? { project } : {}),
      ...(branch ? { branch } : {}),
      platforms,
    });
  } catch (err) {
    const known = err instanceof PatchferryError && err.code === 'pipeline_unknown';
    return html(
      res,
      known ? 400 : 500,
      view(state, csrf, `The pipeline was not queued: ${errorMessage(err)}`),
    );
  }
  state.poke();
  return redirect(res, '/?done=pipeline');
}

/** Serves a build's log as plain text; resolves once the response is written (the server
 * reports a route that resolves before answering). */
function buildLog(res: ServerResponse, state: ConsoleState, id: number): Promise<void> {
  const path = state.ctx.store.builds.get(id)?.logPath;
  if (!path) {
    html(res, 404, page('patchferry', '<p>No log for this build.</p>'));
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    res.once('close', () => resolve());
    const stream = createReadStream(path);
    stream.once('open', () => {
      res.writeHead(200, {
        'content-type': 'text/plain; charset=utf-8',
        'x-content-type-options': 'nosniff',
      });
      stream.pipe(res);
    });
    stream.once('error', (err) => {
      if (res.headersSent) res.end();
      else html(res, 404, page('patchferry', `<p>The log cannot be read: ${escapeHtml(err.message)}</p>`));
    });
  });
}

async function login(req: IncomingMessage, res: ServerResponse, token: string | null): Promise<void> {
  if (!token) return redirect(res, '/');
  if (req.method !== 'POST') return html(res, 200, renderLogin(null));
  const form = await readForm(req);
  if (!sameToken(form.get('token') ?? '', token))
    return html(res, 401, renderLogin('That is not the token.'));
  res.setHeader('set-cookie', `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`);
  return redirect(res, '/');
}

/** Whether a request may see the console. yes: a loopback client, or the token given (cookie or
 * `Authorization: Bearer`); login: a token is configured but was not given; no: another machine
 * and no token configured. */
export function admitted(
  req: Pick<IncomingMessage, 'headers'> & {
    readonly socket: { readonly remoteAddress?: string | undefined };
  },
  token: string | null,
): 'yes' | 'login' | 'no' {
  if (isLoopback(req.socket.remoteAddress)) return 'yes';
  if (!token) return 'no';
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const cookie = (req.headers.cookie ?? '')
    .split(';')
    .map((c) => c.trim().split('='))
    .find(([name]) => name === COOKIE)?.[1];
  const given = bearer ?? (cookie ? decodeURIComponent(cookie) : undefined);
  return given !== undefined && sameToken(given, token) ? 'yes' : 'login';
}

/** A request let in for coming from this machine, not for a token it carries. */
function viaLoopback(req: IncomingMessage, token: string | null): boolean {
  if (!isLoopback(req.socket.remoteAddress)) return false;
  return token === null || admitted({ headers: req.headers, socket: {} }, token) !== 'yes';
}

function isLoopback(address: string | undefined): boolean {
  return address === '::1' || /^(::ffff:)?127\./.test(address ?? '');
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A browser says where a form came from: another site's page posting here is refused. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return origin === undefined;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 64 * 1024)
      throw new PatchferryError('console_form_too_large', 'the form is larger than 64 KiB');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function html(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    'x-frame-options': 'DENY',
    'cache-control': 'no-store',
  });
  res.end(body);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location });
  res.end();
}
