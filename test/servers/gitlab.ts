import { FakeHttpServer, page, repoGit, type FakeRequest, type FakeResponse } from './http.ts';

/** A merge request as the fake GitLab stores it. */
export interface StoredMr {
  id: number;
  iid: number;
  title: string;
  description: string;
  state: 'opened' | 'closed' | 'merged';
  source_branch: string;
  target_branch: string;
  merge_commit_sha: string | null;
  created_at: string;
}

export interface StoredNote {
  id: number;
  body: string;
  /** A note GitLab wrote itself about a change to the merge request ("closed", "merged",
   * "changed title from …"), shown in the same list as the comments people write. */
  system: boolean;
  author: string;
  created_at: string;
  updated_at: string;
}

interface Project {
  id: number;
  path: string;
  repo: string;
  mrs: StoredMr[];
  /** The commits each merged MR brought onto its target branch, by iid (its diff at merge time). */
  mergedCommits: Map<number, string[]>;
  notes: Map<number, StoredNote[]>;
  statuses: {
    sha: string;
    name: string;
    status: string;
    description: string | null;
    target_url: string | null;
  }[];
}

/** A stateful GitLab REST v4 server on loopback, backed by real bare git repositories: the
 * endpoints patchferry's GitLab adapter uses, with GitLab's status codes, error bodies and
 * pagination headers (../shared/notes/forges.md). Tests push to the repositories and press
 * "merge" through `merge()`. */
export class FakeGitLab {
  readonly http: FakeHttpServer;
  readonly #projects = new Map<string, Project>();
  readonly #token: string;
  #ids = 1;
  #lastTime = 0;

  constructor(token: string) {
    this.#token = token;
    this.http = new FakeHttpServer((req) => this.#auth(req));
    const p = '/api/v4/projects/(?<id>[^/]+)';
    const mr = `${p}/merge_requests/(?<iid>\\d+)`;
    this.http.route('GET', re(`${p}`), (req, a) => this.#withProject(a, (pr) => ok(this.#projectJson(pr))));
    this.http.route('GET', re(`${p}/merge_requests`), (req, a) =>
      this.#withProject(a, (pr) => this.#list(req, pr)),
    );
    this.http.route('POST', re(`${p}/merge_requests`), (req, a) =>
      this.#withProject(a, (pr) => this.#create(req, pr)),
    );
    this.http.route('GET', re(mr), (req, a) => this.#withMr(a, (pr, m) => ok(this.#mrJson(pr, m))));
    this.http.route('PUT', re(mr), (req, a) => this.#withMr(a, (pr, m) => this.#edit(req, pr, m)));
    this.http.route('PUT', re(`${mr}/merge`), (req, a) => this.#withMr(a, (pr, m) => this.#merge(pr, m)));
    this.http.route('GET', re(`${mr}/notes`), (req, a) =>
      this.#withMr(a, (pr, m) => this.#listNotes(req, pr, m)),
    );
    this.http.route('POST', re(`${mr}/notes`), (req, a) =>
      this.#withMr(a, (pr, m) => this.#note(req, pr, m)),
    );
    this.http.route('PUT', re(`${mr}/notes/(?<note>\\d+)`), (req, a) =>
      this.#withMr(a, (pr, m) => this.#editNote(req, pr, m, Number(a.note))),
    );
    this.http.route('GET', re(`${p}/repository/commits/(?<sha>[0-9a-f]{7,64})/merge_requests`), (req, a) =>
      this.#withProject(a, (pr) => this.#commitMergeRequests(req, pr, a.sha ?? '')),
    );
    this.http.route('POST', re(`${p}/statuses/(?<sha>[0-9a-f]{40})`), (req, a) =>
      this.#withProject(a, (pr) => this.#status(req, pr, a.sha ?? '')),
    );
  }

  listen(): Promise<string> {
    return this.http.listen();
  }

  close(): Promise<void> {
    return this.http.close();
  }

  addProject(path: string, repo: string): void {
    this.#projects.set(path, {
      id: this.#ids++,
      path,
      repo,
      mrs: [],
      mergedCommits: new Map(),
      notes: new Map(),
      statuses: [],
    });
  }

  mergeRequests(path: string): readonly StoredMr[] {
    return this.#project(path).mrs;
  }

  /** The notes written through the API or by people, oldest first; without GitLab's system notes. */
  notes(path: string, iid: number): readonly StoredNote[] {
    return this.allNotes(path, iid).filter((n) => !n.system);
  }

  /** Every note, GitLab's system notes included, oldest first. */
  allNotes(path: string, iid: number): readonly StoredNote[] {
    return this.#project(path).notes.get(iid) ?? [];
  }

  statuses(path: string) {
    return this.#project(path).statuses;
  }

  /** A reviewer presses "Merge" in the web UI. */
  merge(path: string, iid: number): StoredMr {
    const project = this.#project(path);
    const mr = project.mrs.find((m) => m.iid === iid);
    if (!mr) throw new Error(`no !${iid} in ${path}`);
    const response = this.#merge(project, mr);
    if (response.status !== 200)
      throw new Error(`merge of !${iid} refused: ${JSON.stringify(response.body)}`);
    return mr;
  }

  /** The "Merge Request Hook" body GitLab posts to a project's webhooks after that merge. */
  mergeHook(path: string, iid: number) {
    const project = this.#project(path);
    const mr = project.mrs.find((m) => m.iid === iid);
    if (!mr) throw new Error(`no !${iid} in ${path}`);
    const json = this.#mrJson(project, mr);
    return {
      object_kind: 'merge_request',
      event_type: 'merge_request',
      user: { username: 'reviewer' },
      project: {
        id: project.id,
        path_with_namespace: project.path,
        web_url: `${this.http.url}/${project.path}`,
      },
      object_attributes: {
        iid: mr.iid,
        source_branch: mr.source_branch,
        target_branch: mr.target_branch,
        state: mr.state,
        action: mr.state === 'merged' ? 'merge' : 'update',
        last_commit: { id: repoGit.tip(project.repo, mr.source_branch) },
        merge_commit_sha: mr.merge_commit_sha,
        url: json.web_url,
        detailed_merge_status: json.detailed_merge_status,
      },
    };
  }

  #project(path: string): Project {
    const project = this.#projects.get(path);
    if (!project) throw new Error(`no project ${path}`);
    return project;
  }

  #auth(req: FakeRequest): FakeResponse | null {
    const token =
      req.headers['private-token'] ?? /^Bearer (.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
    return token === this.#token ? null : { status: 401, body: { message: '401 Unauthorized' } };
  }

  #withProject(a: Record<string, string>, f: (p: Project) => FakeResponse): FakeResponse {
    const id = decodeURIComponent(a.id ?? '');
    const project = /^\d+$/.test(id)
      ? [...this.#projects.values()].find((p) => p.id === Number(id))
      : this.#projects.get(id);
    return project ? f(project) : { status: 404, body: { message: '404 Project Not Found' } };
  }

  #withMr(a: Record<string, string>, f: (p: Project, m: StoredMr) => FakeResponse): FakeResponse {
    return this.#withProject(a, (project) => {
      const mr = project.mrs.find((m) => m.iid === Number(a.iid));
      return mr ? f(project, mr) : { status: 404, body: { message: '404 Not found' } };
    });
  }

  #projectJson(p: Project) {
    return {
      id: p.id,
      path_with_namespace: p.path,
      web_url: `${this.http.url}/${p.path}`,
      default_branch: 'master',
    };
  }

  #mrJson(p: Project, m: StoredMr) {
    return {
      ...m,
      project_id: p.id,
      source_project_id: p.id,
      target_project_id: p.id,
      sha: repoGit.tip(p.repo, m.source_branch) ?? m.merge_commit_sha,
      web_url: `${this.http.url}/${p.path}/-/merge_requests/${m.iid}`,
      references: { short: `!${m.iid}` },
      draft: false,
      detailed_merge_status: m.state === 'opened' ? 'mergeable' : 'not_open',
    };
  }

  #list(req: FakeRequest, p: Project): FakeResponse {
    let mrs = [...p.mrs];
    const state = req.query.get('state');
    const source = req.query.get('source_branch');
    const target = req.query.get('target_branch');
    if (state && state !== 'all') mrs = mrs.filter((m) => m.state === state);
    if (source) mrs = mrs.filter((m) => m.source_branch === source);
    if (target) mrs = mrs.filter((m) => m.target_branch === target);
    // Newest first, GitLab's default order (created_at desc).
    if (req.query.get('sort') !== 'asc') mrs.reverse();
    return page(
      req,
      this.http.url,
      mrs.map((m) => this.#mrJson(p, m)),
      { defaultPerPage: 20, gitlabHeaders: true },
    );
  }

  #create(req: FakeRequest, p: Project): FakeResponse {
    const {
      source_branch: source,
      target_branch: target,
      title,
    } = req.body as Record<string, string | undefined>;
    const missing = (['source_branch', 'target_branch', 'title'] as const).filter((k) => !req.body[k]);
    if (missing.length > 0) return { status: 400, body: { message: `${missing.join(', ')} is missing` } };
    if (source === target) {
      return { status: 422, body: { message: ["You can't use same project/branch for source and target"] } };
    }
    if (!repoGit.tip(p.repo, source ?? ''))
      return { status: 422, body: { message: ['Source branch does not exist'] } };
    if (!repoGit.tip(p.repo, target ?? ''))
      return { status: 422, body: { message: ['Target branch does not exist'] } };
    const open = p.mrs.find(
      (m) => m.state === 'opened' && m.source_branch === source && m.target_branch === target,
    );
    if (open) {
      return {
        status: 409,
        body: { message: [`Another open merge request already exists for this source branch: !${open.iid}`] },
      };
    }
    const mr: StoredMr = {
      id: 1000 + this.#ids++,
      iid: p.mrs.length + 1,
      title: title ?? '',
      description: String(req.body.description ?? ''),
      state: 'opened',
      source_branch: source ?? '',
      target_branch: target ?? '',
      merge_commit_sha: null,
      created_at: new Date().toISOString(),
    };
    p.mrs.push(mr);
    return { status: 201, body: this.#mrJson(p, mr) };
  }

  #edit(req: FakeRequest, p: Project, m: StoredMr): FakeResponse {
    const b = req.body as Record<string, string | undefined>;
    if (!['title', 'description', 'state_event', 'target_branch', 'labels'].some((k) => k in b)) {
      return {
        status: 400,
        body: {
          message:
            'title, description, state_event, target_branch, labels are missing, at least one parameter must be provided',
        },
      };
    }
    if (
      b.state_event === 'reopen' &&
      p.mrs.some(
        (o) =>
          o !== m &&
          o.state === 'opened' &&
          o.source_branch === m.source_branch &&
          o.target_branch === m.target_branch,
      )
    ) {
      return {
        status: 409,
        body: { message: ['Another open merge request already exists for this source branch'] },
      };
    }
    // GitLab records each change as a system note, in the order it makes them.
    if (b.title !== undefined && b.title !== m.title) {
      this.#addNote(p, m, `changed title from **{-${m.title}-}** to **{+${b.title}+}**`, { system: true });
      m.title = b.title;
    }
    if (b.description !== undefined && b.description !== m.description) {
      this.#addNote(p, m, 'changed the description', { system: true });
      m.description = b.description;
    }
    if (b.target_branch !== undefined && b.target_branch !== m.target_branch) {
      this.#addNote(p, m, `changed target branch from \`${m.target_branch}\` to \`${b.target_branch}\``, {
        system: true,
      });
      m.target_branch = b.target_branch;
    }
    if (b.state_event === 'close' && m.state === 'opened') {
      m.state = 'closed';
      this.#addNote(p, m, 'closed', { system: true });
    }
    if (b.state_event === 'reopen' && m.state === 'closed') {
      m.state = 'opened';
      this.#addNote(p, m, 'reopened', { system: true });
    }
    return ok(this.#mrJson(p, m));
  }

  /** GET …/repository/commits/:sha/merge_requests: the MRs whose merge (or squash) commit `sha` is,
   * and those whose diff holds it (open ones: the diff now; merged ones: the diff they merged);
   * 404 for a commit the repository does not have, as GitLab answers. */
  #commitMergeRequests(req: FakeRequest, p: Project, sha: string): FakeResponse {
    if (!repoGit.hasCommit(p.repo, sha)) return { status: 404, body: { message: '404 Commit Not Found' } };
    const full = (c: string) => c.startsWith(sha);
    const related = p.mrs.filter((m) => {
      if (m.merge_commit_sha && full(m.merge_commit_sha)) return true;
      const commits =
        m.state === 'merged'
          ? (p.mergedCommits.get(m.iid) ?? [])
          : repoGit.commitsBetween(p.repo, `refs/heads/${m.target_branch}`, `refs/heads/${m.source_branch}`);
      return commits.some(full);
    });
    return page(
      req,
      this.http.url,
      related.map((m) => this.#mrJson(p, m)),
      { defaultPerPage: 20, gitlabHeaders: true },
    );
  }

  #merge(p: Project, m: StoredMr): FakeResponse {
    if (m.state !== 'opened') return { status: 405, body: { message: '405 Method Not Allowed' } };
    const diff = repoGit.commitsBetween(
      p.repo,
      `refs/heads/${m.target_branch}`,
      `refs/heads/${m.source_branch}`,
    );
    const merged = repoGit.merge(
      p.repo,
      m.source_branch,
      m.target_branch,
      `Merge branch '${m.source_branch}' into '${m.target_branch}'`,
    );
    if (!merged) return { status: 406, body: { message: 'Branch cannot be merged' } };
    m.state = 'merged';
    m.merge_commit_sha = merged;
    p.mergedCommits.set(m.iid, diff);
    this.#addNote(p, m, 'merged', { system: true, author: 'reviewer' });
    return ok(this.#mrJson(p, m));
  }

  #note(req: FakeRequest, p: Project, m: StoredMr): FakeResponse {
    const body = req.body.body;
    if (typeof body !== 'string' || body === '')
      return { status: 400, body: { message: { note: ["can't be blank"] } } };
    return { status: 201, body: this.#noteJson(p, m, this.#addNote(p, m, body, { system: false })) };
  }

  /** GET …/notes: `sort` (asc or desc, default desc) by `order_by` (created_at or updated_at,
   * default created_at), ties broken by id, paginated like every GitLab list. */
  #listNotes(req: FakeRequest, p: Project, m: StoredMr): FakeResponse {
    const orderBy = req.query.get('order_by') ?? 'created_at';
    const sort = req.query.get('sort') ?? 'desc';
    if (orderBy !== 'created_at' && orderBy !== 'updated_at')
      return { status: 400, body: { error: 'order_by does not have a valid value' } };
    if (sort !== 'asc' && sort !== 'desc')
      return { status: 400, body: { error: 'sort does not have a valid value' } };
    const notes = [...(p.notes.get(m.iid) ?? [])].sort(
      (a, b) => a[orderBy].localeCompare(b[orderBy]) || a.id - b.id,
    );
    if (sort === 'desc') notes.reverse();
    return page(
      req,
      this.http.url,
      notes.map((n) => this.#noteJson(p, m, n)),
      { defaultPerPage: 20, gitlabHeaders: true },
    );
  }

  /** PUT …/notes/:note_id with `body`: the note's author may edit it; nobody edits a system note. */
  #editNote(req: FakeRequest, p: Project, m: StoredMr, id: number): FakeResponse {
    const note = p.notes.get(m.iid)?.find((n) => n.id === id);
    if (!note) return { status: 404, body: { message: '404 Not found' } };
    if (note.system) return { status: 403, body: { message: '403 Forbidden' } };
    const body = req.body.body;
    if (body === undefined) return { status: 400, body: { error: 'body is missing' } };
    if (typeof body !== 'string' || body === '') {
      return {
        status: 400,
        body: { message: `400 Bad request - Failed to save note {:note=>["can't be blank"]}` },
      };
    }
    note.body = body;
    note.updated_at = this.#now();
    return ok(this.#noteJson(p, m, note));
  }

  #addNote(p: Project, m: StoredMr, body: string, options: { system: boolean; author?: string }): StoredNote {
    const at = this.#now();
    const note: StoredNote = {
      id: 5000 + this.#ids++,
      body,
      system: options.system,
      author: options.author ?? 'patchferry',
      created_at: at,
      updated_at: at,
    };
    p.notes.set(m.iid, [...(p.notes.get(m.iid) ?? []), note]);
    return note;
  }

  /** A note as GitLab's notes API shows it. */
  #noteJson(p: Project, m: StoredMr, n: StoredNote) {
    return {
      id: n.id,
      type: null,
      body: n.body,
      attachment: null,
      author: { id: n.author === 'patchferry' ? 2 : 3, username: n.author, name: n.author, state: 'active' },
      created_at: n.created_at,
      updated_at: n.updated_at,
      system: n.system,
      noteable_id: m.id,
      noteable_type: 'MergeRequest',
      project_id: p.id,
      noteable_iid: m.iid,
      resolvable: false,
      confidential: false,
      internal: false,
      imported: false,
      imported_from: 'none',
    };
  }

  /** Timestamps that always move forward, so that notes made in the same millisecond still sort
   * as GitLab would sort them. */
  #now(): string {
    this.#lastTime = Math.max(Date.now(), this.#lastTime + 1);
    return new Date(this.#lastTime).toISOString();
  }

  #status(req: FakeRequest, p: Project, sha: string): FakeResponse {
    const b = req.body as Record<string, string | undefined>;
    const state = b.state ?? '';
    if (!['pending', 'running', 'success', 'failed', 'canceled'].includes(state)) {
      return { status: 400, body: { message: 'state is missing, state does not have a valid value' } };
    }
    const name = b.name ?? b.context ?? 'default';
    const current = p.statuses.filter((s) => s.sha === sha && s.name === name).at(-1);
    if (current?.status === state) {
      const via =
        state === 'running'
          ? 'run'
          : state === 'pending'
            ? 'enqueue'
            : state === 'success'
              ? 'succeed'
              : 'drop';
      return {
        status: 400,
        body: {
          message: `Cannot transition status via :${via} from :${state} (Reason(s): Status cannot transition via "${via}")`,
        },
      };
    }
    const status = {
      sha,
      name,
      status: state,
      description: b.description ?? null,
      target_url: b.target_url ?? null,
    };
    p.statuses.push(status);
    return {
      status: 201,
      body: {
        id: this.#ids++,
        ...status,
        ref: b.ref ?? null,
        created_at: new Date().toISOString(),
        allow_failure: false,
      },
    };
  }
}

function re(pattern: string): RegExp {
  return new RegExp(`^${pattern}$`);
}

function ok(body: unknown): FakeResponse {
  return { status: 200, body };
}
