import type { SubjectTag } from '../mail/subject.ts';

/** What routing needs to know of the configuration: projects, the branches each accepts, and the
 * lists that carry it alone. */
export interface RoutingTable {
  readonly projects: Readonly<
    Record<string, { readonly branches: readonly string[]; readonly lists?: readonly string[] }>
  >;
  /** A configured grammar tried before the default one (named groups repo, branch). */
  readonly pattern?: RegExp;
}

export type RouteResult =
  | {
      readonly ok: true;
      readonly repo: string;
      readonly branch: string;
      readonly defaulted: boolean;
      /** What chose the project: the subject's tag, or the list the mail came by. */
      readonly via: 'tag' | 'list';
    }
  | { readonly ok: false; readonly reason: string };

/** Where a mail was sent: its List-Id and its To and Cc fields. */
export interface Addressing {
  /** The List-Id header's id (`qemu-devel.nongnu.org`), or null. */
  readonly listId: string | null;
  /** The To and Cc fields as written, for finding list addresses in them. */
  readonly recipients: string;
}

/**
 * subject tag (and the list the mail came by) → (repo, branch), checked against the table; unknown
 * names are explained, never guessed. A tag naming a configured repository wins and is checked.
 * Otherwise a project claims the mail by its list (`lists`: List-Id values or list addresses,
 * matched against List-Id, then To/Cc, as patchwork maps mail to projects by List-Id): the series
 * goes to the branch a prefix word names exactly (`[PATCH for-9.0]`), else the project's first
 * branch; other prefix words stay prefixes.
 */
export function routeTag(
  tag: SubjectTag,
  subject: string,
  table: RoutingTable,
  addressing?: Addressing,
): RouteResult {
  const named = table.pattern?.exec(subject)?.groups;
  const claim = named?.repo ? { repo: named.repo, branch: named.branch ?? null } : claimFromWords(tag, table);
  const listed =
    addressing && !(claim && claim.repo in table.projects) ? projectOfList(addressing, table) : null;
  if (listed !== null) return routeOnList(listed, tag, table);
  if (!claim) {
    return {
      ok: false,
      // A subject with no PATCH (PULL, RFC…) group at all, as lists such as kbuild often carry.
      reason: `${tag.prefixes.length === 0 ? 'the subject has no [PATCH …] tag' : 'the subject tag names no repository'}; write it as "[<branch> PATCH <repo>] …" with one of: ${known(table)}`,
    };
  }
  const project = table.projects[claim.repo];
  if (!project) {
    return { ok: false, reason: `repository "${claim.repo}" is not known here (known: ${known(table)})` };
  }
  if (claim.branch === null) {
    const first = project.branches[0];
    if (first === undefined) return { ok: false, reason: `repository "${claim.repo}" accepts no branch` };
    return { ok: true, repo: claim.repo, branch: first, defaulted: true, via: 'tag' };
  }
  if (!project.branches.includes(claim.branch)) {
    return {
      ok: false,
      reason: `branch "${claim.branch}" is not accepted for ${claim.repo} (accepted: ${project.branches.join(', ')})`,
    };
  }
  return { ok: true, repo: claim.repo, branch: claim.branch, defaulted: false, via: 'tag' };
}

/** The project whose list the mail came by: its List-Id first, then the list address found
 * earliest in To/Cc; null when no project claims it. */
export function projectOfList(addressing: Addressing, table: RoutingTable): string | null {
  const projects = Object.entries(table.projects).filter(([, p]) => (p.lists ?? []).length > 0);
  if (projects.length === 0) return null;
  const id = addressing.listId?.trim().toLowerCase();
  if (id) {
    const byId = projects.find(([, p]) => (p.lists ?? []).some((l) => listName(l) === id));
    if (byId) return byId[0];
  }
  const recipients = addressing.recipients.toLowerCase();
  let best: { project: string; at: number } | null = null;
  for (const [name, p] of projects) {
    for (const entry of p.lists ?? []) {
      const list = listName(entry);
      if (!list.includes('@')) continue;
      const at = addressAt(recipients, list);
      if (at !== -1 && (best === null || at < best.at)) best = { project: name, at };
    }
  }
  return best?.project ?? null;
}

/** A configured list as compared, without case: the id or address inside angle brackets when the
 * entry was pasted from a header (`QEMU <qemu-devel.nongnu.org>`, `<qemu-devel@nongnu.org>`). */
function listName(entry: string): string {
  return (/<([^<>\s]+)>/.exec(entry)?.[1] ?? entry).trim().toLowerCase();
}

/** Where `address` stands in a To/Cc text as a whole address, or -1. */
function addressAt(text: string, address: string): number {
  let from = 0;
  for (;;) {
    const at = text.indexOf(address, from);
    if (at === -1) return -1;
    const before = text[at - 1];
    const after = text[at + address.length];
    if ((before === undefined || /[\s<,:;"]/.test(before)) && (after === undefined || /[\s>,;"]/.test(after)))
      return at;
    from = at + 1;
  }
}

function routeOnList(repo: string, tag: SubjectTag, table: RoutingTable): RouteResult {
  const branches = table.projects[repo]?.branches ?? [];
  const hinted = [...tag.before, ...tag.after].find((w) => branches.includes(w));
  const branch = hinted ?? branches[0];
  if (branch === undefined) return { ok: false, reason: `repository "${repo}" accepts no branch` };
  return { ok: true, repo, branch, defaulted: hinted === undefined, via: 'list' };
}

interface Claim {
  readonly repo: string;
  readonly branch: string | null;
}

/** The forms of DESIGN.md: `[branch PATCH repo]`, `[PATCH repo/branch]`, `[PULL repo branch]`, `[PATCH repo]`.
 * Names are matched whole, never by prefix. */
function claimFromWords(tag: SubjectTag, table: RoutingTable): Claim | null {
  const isRepo = (w: string) => w in table.projects;
  const slash = tag.after.find((w) => w.includes('/') && isRepo(w.slice(0, w.indexOf('/'))));
  if (slash) return { repo: slash.slice(0, slash.indexOf('/')), branch: slash.slice(slash.indexOf('/') + 1) };
  const repo = tag.after.find(isRepo) ?? tag.before.find(isRepo) ?? tag.otherGroups.find(isRepo);
  const candidates = [...tag.before, ...tag.after].filter((w) => w !== repo);
  if (repo) return { repo, branch: candidates[0] ?? null };
  // No known repository: report the word the sender most likely meant as one.
  const named = tag.after[0] ?? (tag.before.length > 1 ? tag.before[1] : undefined);
  return named
    ? { repo: named.includes('/') ? named.slice(0, named.indexOf('/')) : named, branch: null }
    : null;
}

/** The words of a subject's tag group that name neither the repository nor the branch a route
 * took, in order: they stay prefixes (`net-next` of `[RFC PATCH net-next]` on a list whose project
 * has no such branch, issue 17 item 12). */
export function unroutedWords(tag: SubjectTag, repo: string | null, branch: string | null): string[] {
  const slash = repo !== null && branch !== null ? `${repo}/${branch}` : null;
  return [...tag.before, ...tag.after].filter((w) => w !== repo && w !== branch && w !== slash);
}

function known(table: RoutingTable): string {
  return Object.keys(table.projects).join(', ') || 'none configured';
}

/** What the tag says, unchecked, for when no configuration is given: `[branch PATCH repo]`,
 * `[PATCH repo/branch]`, `[PULL repo branch]`, `[PATCH repo]`. */
export function claimedTarget(tag: SubjectTag): { repo: string | null; branch: string | null } {
  const [first, second] = tag.after;
  if (first?.includes('/')) {
    const at = first.indexOf('/');
    return { repo: first.slice(0, at), branch: first.slice(at + 1) };
  }
  if (first !== undefined) return { repo: first, branch: tag.before[0] ?? second ?? null };
  return { repo: null, branch: tag.before[0] ?? null };
}
