import { FakeHttpServer, page, repoGit, type FakeRequest, type FakeResponse } from './http.ts';

export interface StoredPull {
  id: number;
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  head: string;
  base: string;
  merged_at: string | null;
  merge_commit_sha: string | null;
  created_at: string;
}

export interface StoredComment {
  id: number;
  body: string;
  user: string;
  created_at: string;
  updated_at: string;
}

interface Repo {
  owner: string;
  name: string;
  dir: string;
  pulls: StoredPull[];
  /** The commits each merged pull request brought onto its base branch, by number. */
  mergedCommits: Map<number, string[]>;
  comments: Map<number, StoredComment[]>;
  statuses: {
    sha: string;
    context: string;
    state: string;
    description: string | null;
    target_url: string | null;
  }[];
}

const DOCS = 'https://docs.github.com/rest';

/** A stateful GitHub REST server on loopback, backed by real bare git repositories: the endpoints
 * patchferry's GitHub adapter and its probot app use, with GitHub's status codes, error bodies
 * (the 422 for a duplicate pull request), pagination links and rate-limit headers. */
export class FakeGitHub {
  readonly http: FakeHttpServer;
  readonly #repos = new Map<string, Repo>();
  readonly #tokens: Set<string>;
  #ids = 1;

  constructor(tokens: readonly string[]) {
    this.#tokens = new Set(tokens);
    this.http = new FakeHttpServer((req) => this.#auth(req));
    const r = '/repos/(?<owner>[^/]+)/(?<repo>[^/]+)';
    const pull = `${r}/pulls/(?<number>\\d+)`;
    this.http.route('GET', re(r), (req, a) =>
      this.#withRepo(a, (repo) =>
        ok({ id: 1, name: repo.name, full_name: `${repo.owner}/${repo.name}`, default_branch: 'master' }),
      ),
    );
    this.http.route('GET', re(`${r}/pulls`), (req, a) => this.#withRepo(a, (repo) => this.#list(req, repo)));
    this.http.route('POST', re(`${r}/pulls`), (req, a) =>
      this.#withRepo(a, (repo) => this.#create(req, repo)),
    );
    this.http.route('GET', re(pull), (req, a) => this.#withPull(a, (repo, p) => ok(this.#pullJson(repo, p))));
    this.http.route('PATCH', re(pull), (req, a) =>
      this.#withPull(a, (repo, p) => this.#update(req, repo, p)),
    );
    this.http.route('PUT', re(`${pull}/merge`), (req, a) =>
      this.#withPull(a, (repo, p) => this.#merge(repo, p)),
    );
    this.http.route('POST', re(`${r}/issues/(?<number>\\d+)/comments`), (req, a) =>
      this.#withPull(a, (repo, p) => this.#comment(req, repo, p)),
    );
    this.http.route('GET', re(`${r}/issues/(?<number>\\d+)/comments`), (req, a) =>
      this.#withPull(a, (repo, p) =>
        // Oldest first (ascending id), GitHub's order for a conversation's comments.
        page(
          req,
          this.http.url,
          (repo.comments.get(p.number) ?? []).map((c) => this.#commentJson(repo, p.number, c)),
          { defaultPerPage: 30, gitlabHeaders: false },
        ),
      ),
    );
    this.http.route('PATCH', re(`${r}/issues/comments/(?<comment>\\d+)`), (req, a) =>
      this.#withRepo(a, (repo) => this.#editComment(req, repo, Number(a.comment))),
    );
    this.http.route('GET', re(`${r}/commits/(?<sha>[0-9a-f]{7,64})/pulls`), (req, a) =>
      this.#withRepo(a, (repo) => this.#commitPulls(req, repo, a.sha ?? '')),
    );
    this.http.route('POST', re(`${r}/statuses/(?<sha>[0-9a-f]{40})`), (req, a) =>
      this.#withRepo(a, (repo) => this.#status(req, repo, a.sha ?? '')),
    );
  }

  listen(): Promise<string> {
    return this.http.listen();
  }

  close(): Promise<void> {
    return this.http.close();
  }

  addRepo(fullName: string, dir: string): void {
    const [owner = '', name = ''] = fullName.split('/');
    this.#repos.set(fullName, {
      owner,
      name,
      dir,
      pulls: [],
      mergedCommits: new Map(),
      comments: new Map(),
      statuses: [],
    });
  }

  pulls(fullName: string): readonly StoredPull[] {
    return this.#repo(fullName).pulls;
  }

  comments(fullName: string, number: number): readonly StoredComment[] {
    return this.#repo(fullName).comments.get(number) ?? [];
  }

  /** Someone comments on the pull request's conversation in the web UI. */
  writeComment(fullName: string, number: number, body: string, user: string): void {
    this.#addComment(this.#repo(fullName), number, body, user);
  }

  statuses(fullName: string) {
    return this.#repo(fullName).statuses;
  }

  /** A reviewer presses "Merge pull request"; returns the webhook payload GitHub would send. */
  merge(fullName: string, number: number): Record<string, unknown> {
    const repo = this.#repo(fullName);
    const pull = repo.pulls.find((p) => p.number === number);
    if (!pull) throw new Error(`no #${number} in ${fullName}`);
    const response = this.#merge(repo, pull);
    if (response.status !== 200)
      throw new Error(`merge of #${number} refused: ${JSON.stringify(response.body)}`);
    return {
      action: 'closed',
      number,
      pull_request: this.#pullJson(repo, pull),
      repository: { id: 1, name: repo.name, full_name: fullName, owner: { login: repo.owner } },
      installation: { id: 1 },
      sender: { login: 'reviewer' },
    };
  }

  #repo(fullName: string): Repo {
    const repo = this.#repos.get(fullName);
    if (!repo) throw new Error(`no repository ${fullName}`);
    return repo;
  }

  #auth(req: FakeRequest): FakeResponse | null {
    const token = /^(?:token|bearer) (.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
    if (token && this.#tokens.has(token)) return null;
    return { status: 401, body: { message: 'Bad credentials', documentation_url: DOCS, status: '401' } };
  }

  #withRepo(a: Record<string, string>, f: (r: Repo) => FakeResponse): FakeResponse {
    const repo = this.#repos.get(`${a.owner}/${a.repo}`);
    return repo
      ? f(repo)
      : { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } };
  }

  #withPull(a: Record<string, string>, f: (r: Repo, p: StoredPull) => FakeResponse): FakeResponse {
    return this.#withRepo(a, (repo) => {
      const pull = repo.pulls.find((p) => p.number === Number(a.number));
      return pull
        ? f(repo, pull)
        : { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } };
    });
  }

  #pullJson(repo: Repo, p: StoredPull) {
    const headSha = repoGit.tip(repo.dir, p.head) ?? p.merge_commit_sha;
    return {
      id: p.id,
      number: p.number,
      html_url: `${this.http.url}/${repo.owner}/${repo.name}/pull/${p.number}`,
      state: p.state,
      title: p.title,
      body: p.body,
      draft: false,
      merged: p.merged_at !== null,
      merged_at: p.merged_at,
      merge_commit_sha: p.merge_commit_sha,
      mergeable: p.state === 'open' ? true : null,
      head: { label: `${repo.owner}:${p.head}`, ref: p.head, sha: headSha },
      base: { label: `${repo.owner}:${p.base}`, ref: p.base, sha: repoGit.tip(repo.dir, p.base) },
      user: { login: 'patchferry[bot]' },
      created_at: p.created_at,
    };
  }

  #list(req: FakeRequest, repo: Repo): FakeResponse {
    let pulls = [...repo.pulls];
    const state = req.query.get('state') ?? 'open';
    if (state !== 'all') pulls = pulls.filter((p) => p.state === state);
    const head = req.query.get('head');
    if (head) pulls = pulls.filter((p) => `${repo.owner}:${p.head}` === head);
    const base = req.query.get('base');
    if (base) pulls = pulls.filter((p) => p.base === base);
    if ((req.query.get('direction') ?? (req.query.get('sort') ? 'desc' : 'asc')) === 'desc') pulls.reverse();
    return page(
      req,
      this.http.url,
      pulls.map((p) => this.#pullJson(repo, p)),
      { defaultPerPage: 30, gitlabHeaders: false },
    );
  }

  #create(req: FakeRequest, repo: Repo): FakeResponse {
    const b = req.body as Record<string, string | undefined>;
    const head = (b.head ?? '').replace(new RegExp(`^${repo.owner}:`), '');
    const invalid = (field: string, code: string) =>
      validationFailed({ resource: 'PullRequest', field, code });
    if (!b.base) return invalid('base', 'missing_field');
    if (!head || !repoGit.tip(repo.dir, head)) return invalid('head', 'invalid');
    if (!repoGit.tip(repo.dir, b.base)) return invalid('base', 'invalid');
    if (repo.pulls.some((p) => p.state === 'open' && p.head === head && p.base === b.base)) {
      return validationFailed({
        resource: 'PullRequest',
        code: 'custom',
        message: `A pull request already exists for ${repo.owner}:${head}.`,
      });
    }
    const pull: StoredPull = {
      id: 9000 + this.#ids++,
      number: repo.pulls.length + 1,
      title: b.title ?? '',
      body: b.body ?? '',
      state: 'open',
      head,
      base: b.base,
      merged_at: null,
      merge_commit_sha: null,
      created_at: new Date().toISOString(),
    };
    repo.pulls.push(pull);
    const json = this.#pullJson(repo, pull);
    return {
      status: 201,
      body: json,
      headers: { location: `${this.http.url}/repos/${repo.owner}/${repo.name}/pulls/${pull.number}` },
    };
  }

  #update(req: FakeRequest, repo: Repo, p: StoredPull): FakeResponse {
    const b = req.body as Record<string, string | undefined>;
    if (b.title !== undefined) p.title = b.title;
    if (b.body !== undefined) p.body = b.body;
    if (b.base !== undefined) p.base = b.base;
    if (b.state === 'closed' || b.state === 'open') {
      if (p.merged_at === null) p.state = b.state;
    }
    return ok(this.#pullJson(repo, p));
  }

  /** GET …/commits/:sha/pulls: on the default branch, the merged pull request that brought the
   * commit (its merge commit or one of its commits); elsewhere only the open ones holding it, as
   * GitHub documents; 422 for a commit the repository does not have. */
  #commitPulls(req: FakeRequest, repo: Repo, sha: string): FakeResponse {
    if (!repoGit.hasCommit(repo.dir, sha)) {
      return {
        status: 422,
        body: { message: `No commit found for SHA: ${sha}`, documentation_url: DOCS, status: '422' },
      };
    }
    const full = (c: string) => c.startsWith(sha);
    const onDefault = repoGit.onBranch(repo.dir, sha, 'master');
    const related = repo.pulls.filter((p) => {
      if (p.state === 'open')
        return repoGit.commitsBetween(repo.dir, `refs/heads/${p.base}`, `refs/heads/${p.head}`).some(full);
      if (!onDefault || p.merged_at === null) return false;
      return (
        (p.merge_commit_sha !== null && full(p.merge_commit_sha)) ||
        (repo.mergedCommits.get(p.number) ?? []).some(full)
      );
    });
    return page(
      req,
      this.http.url,
      related.map((p) => this.#pullJson(repo, p)),
      { defaultPerPage: 30, gitlabHeaders: false },
    );
  }

  #merge(repo: Repo, p: StoredPull): FakeResponse {
    if (p.state !== 'open')
      return { status: 405, body: { message: 'Pull Request is not mergeable', documentation_url: DOCS } };
    const diff = repoGit.commitsBetween(repo.dir, `refs/heads/${p.base}`, `refs/heads/${p.head}`);
    const merged = repoGit.merge(repo.dir, p.head, p.base, `Merge pull request #${p.number}`);
    if (!merged)
      return { status: 405, body: { message: 'Pull Request is not mergeable', documentation_url: DOCS } };
    p.state = 'closed';
    p.merged_at = new Date().toISOString();
    p.merge_commit_sha = merged;
    repo.mergedCommits.set(p.number, diff);
    return ok({ sha: merged, merged: true, message: 'Pull Request successfully merged' });
  }

  #comment(req: FakeRequest, repo: Repo, p: StoredPull): FakeResponse {
    const body = req.body.body;
    if (typeof body !== 'string' || body === '') {
      return validationFailed({ resource: 'IssueComment', field: 'body', code: 'missing_field' });
    }
    const comment = this.#addComment(repo, p.number, body, 'patchferry[bot]');
    return { status: 201, body: this.#commentJson(repo, p.number, comment) };
  }

  #addComment(repo: Repo, number: number, body: string, user: string): StoredComment {
    const at = new Date().toISOString();
    const comment = { id: 7000 + this.#ids++, body, user, created_at: at, updated_at: at };
    repo.comments.set(number, [...(repo.comments.get(number) ?? []), comment]);
    return comment;
  }

  /** PATCH /repos/:owner/:repo/issues/comments/:comment_id with `body`; comment ids are the
   * repository's, not one pull request's. */
  #editComment(req: FakeRequest, repo: Repo, id: number): FakeResponse {
    const found = [...repo.comments].flatMap(([number, list]) =>
      list.filter((c) => c.id === id).map((comment) => ({ number, comment })),
    )[0];
    if (!found)
      return { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } };
    const body = req.body.body;
    if (typeof body !== 'string' || body === '') {
      return validationFailed({ resource: 'IssueComment', field: 'body', code: 'missing_field' });
    }
    found.comment.body = body;
    found.comment.updated_at = new Date().toISOString();
    return ok(this.#commentJson(repo, found.number, found.comment));
  }

  /** An issue comment as GitHub's REST API shows it. */
  #commentJson(repo: Repo, number: number, c: StoredComment) {
    const api = `${this.http.url}/repos/${repo.owner}/${repo.name}`;
    return {
      id: c.id,
      node_id: `IC_${c.id}`,
      url: `${api}/issues/comments/${c.id}`,
      html_url: `${this.http.url}/${repo.owner}/${repo.name}/pull/${number}#issuecomment-${c.id}`,
      issue_url: `${api}/issues/${number}`,
      body: c.body,
      user: { login: c.user, id: 41898282, type: 'Bot' },
      author_association: 'NONE',
      created_at: c.created_at,
      updated_at: c.updated_at,
    };
  }

  #status(req: FakeRequest, repo: Repo, sha: string): FakeResponse {
    const b = req.body as Record<string, string | undefined>;
    if (!['error', 'failure', 'pending', 'success'].includes(b.state ?? '')) {
      return validationFailed({ resource: 'Status', field: 'state', code: 'invalid' });
    }
    const status = {
      sha,
      context: b.context ?? 'default',
      state: b.state ?? '',
      description: b.description ?? null,
      target_url: b.target_url ?? null,
    };
    repo.statuses.push(status);
    return { status: 201, body: { id: this.#ids++, ...status, creator: { login: 'patchferry[bot]' } } };
  }
}

/** GitHub's 422 body: "Validation Failed" with the error that says which field and why. */
function validationFailed(error: {
  resource: string;
  code: string;
  field?: string;
  message?: string;
}): FakeResponse {
  return {
    status: 422,
    body: { message: 'Validation Failed', documentation_url: DOCS, errors: [error], status: '422' },
  };
}

function re(pattern: string): RegExp {
  return new RegExp(`^${pattern}$`);
}

function ok(body: unknown): FakeResponse {
  return { status: 200, body };
}
