import type { MailFacts } from '../../ports/store.ts';
import { orderedPatches, type Series, type SeriesMail } from '../../series/series.ts';
import { errorMessage } from '../../shared/errors.ts';
import type { Deps } from '../deps.ts';
import { recordAlready } from '../series/already.ts';
import { heldBefore } from './trust.ts';

/** A series found on its branch already: `head` is the commit of its last patch. */
export type Already = { series: string; project: string; branch: string; head: string };

type Lookup = (
  series: Series,
  route: { repo: string; branch: string },
  members: readonly SeriesMail[],
  records: ReadonlyMap<string, MailFacts>,
) => Promise<Already | null>;

/**
 * For one intake run, direct mode: a series about to be held, the first time, whose every patch
 * is on its branch already (a maintainer released it where another database lives, the daemon's,
 * and it was applied; or it was applied by hand) is recorded as applied before instead, as the
 * series unit records one it finds there (apply.ts): holding it would keep back nothing, and a
 * CI job, whose database is new each run, would list it HELD every night. Matched by patch id
 * (mail/patch-id.ts) against the branch's newest commits, read once per branch and run
 * (Repository.branchPatchIds): looking for each series on its own (git patch-id of its mails, a
 * fetch and a log each) made importing kbuild's year, 374 series held, 8 times slower. Only the
 * first time a series is held: a series every daemon run looks at again costs no fetch per run.
 * Returns a lookup answering null when the series is to be held; a branch that cannot be read
 * (logged once) holds its series.
 */
export function heldButOnBranch(
  deps: Pick<Deps, 'config' | 'log' | 'store' | 'repository' | 'forge'>,
): Lookup {
  const read = new Map<string, Promise<ReadonlyMap<string, string> | null>>();
  const patchIdsOf = (project: string, gitUrl: string, branch: string) => {
    const key = JSON.stringify([project, branch]);
    let ids = read.get(key);
    if (!ids) {
      ids = deps.repository.branchPatchIds(project, gitUrl, branch).catch((err: unknown) => {
        deps.log.warn(
          { project, branch, err: errorMessage(err) },
          'could not read the branch for series held',
        );
        return null;
      });
      read.set(key, ids);
    }
    return ids;
  };
  return async (series, route, members, records) => {
    const gitUrl = deps.config.projects[route.repo]?.git;
    if (deps.forge || gitUrl === undefined || heldBefore(members, records)) return null;
    // A part with no diff (patchId null) carries nothing to look for, as git patch-id skips it.
    const wanted = orderedPatches(series).flatMap((p) => (p.patchId === null ? [] : [p.patchId]));
    if (wanted.length === 0) return null;
    const ids = await patchIdsOf(route.repo, gitUrl, route.branch);
    const commits = wanted.map((id) => ids?.get(id));
    const head = commits.at(-1);
    if (head === undefined || commits.some((c) => c === undefined)) return null;
    const plan = { seriesId: series.id, project: route.repo, branch: route.branch, members };
    const { series: id, project, branch } = recordAlready(deps, plan, { head });
    return { series: id, project, branch, head };
  };
}
