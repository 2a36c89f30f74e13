import { execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** A request as the fake forges see it: the raw path (client libraries URL-encode path parameters,
 * so routes match on the raw form), the query, and the parsed body. */
export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: Record<string, unknown>;
}

export interface FakeResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

type Handler = (req: FakeRequest, params: Record<string, string>) => FakeResponse | Promise<FakeResponse>;

/** The small HTTP core both fake forges share: routing on raw paths, JSON and form bodies, a log
 * of every request, injected failures (a 429 or 502 for the next N requests) and altered answers
 * (a field missing from the next one). */
export class FakeHttpServer {
  readonly requests: { method: string; path: string; query: URLSearchParams; status: number }[] = [];
  readonly #routes: { method: string; pattern: RegExp; handler: Handler }[] = [];
  readonly #faults: FakeResponse[] = [];
  readonly #alterations: ((response: FakeResponse) => FakeResponse)[] = [];
  readonly #authorized: (req: FakeRequest) => FakeResponse | null;
  #server: Server | null = null;
  url = '';

  constructor(authorized: (req: FakeRequest) => FakeResponse | null) {
    this.#authorized = authorized;
  }

  route(method: string, pattern: RegExp, handler: Handler): void {
    this.#routes.push({ method, pattern, handler });
  }

  /** The next `times` requests get `response` instead of being served. */
  failNext(response: FakeResponse, times = 1): void {
    for (let i = 0; i < times; i++) this.#faults.push(response);
  }

  /** The next request is served as usual, but its answer passes through `change` on the way out:
   * what a proxy, an older server or another product on the forge's address might send. */
  alterNext(change: (response: FakeResponse) => FakeResponse): void {
    this.#alterations.push(change);
  }

  async listen(): Promise<string> {
    this.#server = createServer((req, res) => void this.#serve(req, res));
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    const address = this.#server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    this.url = `http://127.0.0.1:${address.port}`;
    return this.url;
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    const request: FakeRequest = {
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0] ?? '/',
      query: url.searchParams,
      headers: req.headers,
      body: parseBody(raw, req.headers['content-type'] ?? ''),
    };
    let response: FakeResponse;
    try {
      response = this.#faults.shift() ?? this.#authorized(request) ?? (await this.#dispatch(request));
    } catch (err) {
      response = { status: 500, body: { message: `fake server error: ${String(err)}` } };
    }
    response = this.#alterations.shift()?.(response) ?? response;
    this.requests.push({
      method: request.method,
      path: request.path,
      query: request.query,
      status: response.status,
    });
    const headers: Record<string, string> = { ...response.headers };
    if (response.body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    res.writeHead(response.status, headers);
    res.end(
      response.body === undefined
        ? undefined
        : typeof response.body === 'string'
          ? response.body
          : JSON.stringify(response.body),
    );
  }

  async #dispatch(req: FakeRequest): Promise<FakeResponse> {
    for (const route of this.#routes) {
      if (route.method !== req.method) continue;
      const match = route.pattern.exec(req.path);
      if (match) return route.handler(req, match.groups ?? {});
    }
    return { status: 404, body: { message: `404 Not Found: ${req.method} ${req.path}` } };
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(raw: string, type: string): Record<string, unknown> {
  if (raw === '') return {};
  if (type.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  if (type.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  return { raw };
}

/** One page of `items` with the pagination headers both forges send (`link`, and GitLab's x-*). */
export function page<T>(
  req: FakeRequest,
  baseUrl: string,
  items: readonly T[],
  options: { defaultPerPage: number; gitlabHeaders: boolean },
): FakeResponse {
  const perPage = Math.min(
    100,
    Number(req.query.get('per_page') ?? options.defaultPerPage) || options.defaultPerPage,
  );
  const pageNo = Math.max(1, Number(req.query.get('page') ?? 1) || 1);
  const pages = Math.max(1, Math.ceil(items.length / perPage));
  const at = (n: number) => {
    const q = new URLSearchParams(req.query);
    q.set('page', String(n));
    q.set('per_page', String(perPage));
    return `${baseUrl}${req.path}?${q.toString()}`;
  };
  const links: string[] = [];
  if (pageNo > 1) links.push(`<${at(pageNo - 1)}>; rel="prev"`);
  if (pageNo < pages) links.push(`<${at(pageNo + 1)}>; rel="next"`);
  links.push(`<${at(1)}>; rel="first"`, `<${at(pages)}>; rel="last"`);
  const headers: Record<string, string> = {};
  // GitHub sends no link header when everything fits on one page.
  if (options.gitlabHeaders || pages > 1) headers.link = links.join(', ');
  if (options.gitlabHeaders) {
    Object.assign(headers, {
      'x-page': String(pageNo),
      'x-per-page': String(perPage),
      'x-total': String(items.length),
      'x-total-pages': String(pages),
      'x-next-page': pageNo < pages ? String(pageNo + 1) : '',
      'x-prev-page': pageNo > 1 ? String(pageNo - 1) : '',
    });
  }
  return { status: 200, body: items.slice((pageNo - 1) * perPage, pageNo * perPage), headers };
}

/** Git operations on the bare repositories behind the fake forges: what a forge itself does. */
export const repoGit = {
  tip(repo: string, branch: string): string | null {
    try {
      return execFileSync('git', ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], {
        cwd: repo,
        encoding: 'utf8',
      }).trim();
    } catch {
      return null;
    }
  },
  /** The commits reachable from `to` and not from `from` (`git rev-list from..to`); empty when
   * either is unknown. */
  commitsBetween(repo: string, from: string, to: string): string[] {
    try {
      return execFileSync('git', ['rev-list', `${from}..${to}`], { cwd: repo, encoding: 'utf8' })
        .split('\n')
        .filter(Boolean);
    } catch {
      return [];
    }
  },
  /** Whether the repository has the commit `sha`. */
  hasCommit(repo: string, sha: string): boolean {
    try {
      execFileSync('git', ['cat-file', '-e', `${sha}^{commit}`], { cwd: repo, stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  },
  /** Whether `sha` is on `branch` (reachable from its tip). */
  onBranch(repo: string, sha: string, branch: string): boolean {
    try {
      execFileSync('git', ['merge-base', '--is-ancestor', sha, `refs/heads/${branch}`], {
        cwd: repo,
        stdio: 'ignore',
      });
      return true;
    } catch {
      return false;
    }
  },
  /** Merges `source` into `target` as the forge's merge button does: fast-forward when possible,
   * else a merge commit made without a work tree. Returns the new tip, or null on conflict. */
  merge(repo: string, source: string, target: string, message: string): string | null {
    const run = (args: string[]) =>
      execFileSync('git', args, {
        cwd: repo,
        encoding: 'utf8',
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 'Reviewer',
          GIT_AUTHOR_EMAIL: 'reviewer@example.org',
          GIT_COMMITTER_NAME: 'Reviewer',
          GIT_COMMITTER_EMAIL: 'reviewer@example.org',
        },
      }).trim();
    const from = repoGit.tip(repo, source);
    const onto = repoGit.tip(repo, target);
    if (!from || !onto) return null;
    let merged: string;
    try {
      run(['merge-base', '--is-ancestor', onto, from]);
      merged = from;
    } catch {
      let tree: string;
      try {
        tree = run(['merge-tree', '--write-tree', onto, from]).split('\n')[0] ?? '';
      } catch {
        return null;
      }
      merged = run(['commit-tree', tree, '-p', onto, '-p', from, '-m', message]);
    }
    run(['update-ref', `refs/heads/${target}`, merged, onto]);
    return merged;
  },
};
