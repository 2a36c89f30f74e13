import type { SubjectTag } from '../mail/subject.ts';

/** What routing needs to know of the configuration: projects and the branches each accepts. */
export interface RoutingTable {
  readonly projects: Readonly<Record<string, { readonly branches: readonly string[] }>>;
  /** A configured grammar tried before the default one (named groups repo, branch). */
  readonly pattern?: RegExp;
}

export type RouteResult =
  | { readonly ok: true; readonly repo: string; readonly branch: string; readonly defaulted: boolean }
  | { readonly ok: false; readonly reason: string };

/** subject tag → (repo, branch), checked against the table; unknown names are explained, never guessed. */
export function routeTag(tag: SubjectTag, subject: string, table: RoutingTable): RouteResult {
  const named = table.pattern?.exec(subject)?.groups;
  const claim = named?.repo ? { repo: named.repo, branch: named.branch ?? null } : claimFromWords(tag, table);
  if (!claim) {
    return {
      ok: false,
      reason: `the subject tag names no repository; write it as "[<branch> PATCH <repo>] …" with one of: ${known(table)}`,
    };
  }
  const project = table.projects[claim.repo];
  if (!project) {
    return { ok: false, reason: `repository "${claim.repo}" is not known here (known: ${known(table)})` };
  }
  if (claim.branch === null) {
    const first = project.branches[0];
    if (first === undefined) return { ok: false, reason: `repository "${claim.repo}" accepts no branch` };
    return { ok: true, repo: claim.repo, branch: first, defaulted: true };
  }
  if (!project.branches.includes(claim.branch)) {
    return {
      ok: false,
      reason: `branch "${claim.branch}" is not accepted for ${claim.repo} (accepted: ${project.branches.join(', ')})`,
    };
  }
  return { ok: true, repo: claim.repo, branch: claim.branch, defaulted: false };
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
