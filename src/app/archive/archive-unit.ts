import { formatAddress } from '../../mail/mail.ts';
import type { Store } from '../../ports/store.ts';
import { PatchferryError } from '../../shared/errors.ts';
import { archiveUnit, seriesPlan, unitKey, type ArchiveUnit } from '../../work/units.ts';
import { queueForge } from '../../work/outbox.ts';
import { done, type UnitHandler, type UnitOutcome } from '../../work/worker.ts';
import type { Deps } from '../deps.ts';

/** Queues the archiving of a series applied to its branch now (in the caller's transaction: with
 * the application). The day is the UTC day of `now` (ms since the epoch). */
export function queueArchive(store: Store, seriesId: string, now: number): void {
  store.work.enqueue({
    kind: 'archive',
    key: unitKey.archive(seriesId),
    payload: {
      seriesId,
      day: new Date(now).toISOString().slice(0, 10),
      appliedAt: now,
    } satisfies ArchiveUnit,
  });
}

/** Where the archive keeps a series' mbox, once its unit ran; null before (or for a series applied
 * before the archive existed). */
export function archivedUrl(store: Store, seriesId: string): string | null {
  const result = store.work.get(unitKey.archive(seriesId))?.result;
  const url = (result as { url?: unknown } | null)?.url;
  return typeof url === 'string' ? url : null;
}

/**
 * The unit that files an applied series' mails (cover letter, then the patches in order, as
 * received) into the archive of the day's patches. The archive gives a series archived again the
 * file it has, so a run killed midway writes the same file again.
 */
export function archiveHandler(deps: Pick<Deps, 'store' | 'archive'>): UnitHandler<ArchiveUnit> {
  return {
    schema: archiveUnit,
    async run(u, unit): Promise<UnitOutcome> {
      const planned = seriesPlan.safeParse(deps.store.work.get(unitKey.series(u.seriesId))?.payload);
      if (!planned.success)
        throw new PatchferryError(
          'archive_no_plan',
          `series ${u.seriesId} has no plan recorded; nothing to archive`,
        );
      const plan = planned.data;
      const ids = [...(plan.cover ? [plan.cover] : []), ...plan.patches.map((p) => p.messageId)];
      const mails = ids.map((id) => {
        const raw = deps.store.mails.get(id)?.raw;
        if (!raw)
          throw new PatchferryError(
            'archive_mail_gone',
            `mail ${id} of series ${u.seriesId} is not recorded`,
          );
        return raw;
      });
      const file = await deps.archive.archive(
        {
          seriesId: u.seriesId,
          day: u.day,
          project: plan.project,
          branch: plan.branch,
          title: plan.title,
          subject: plan.head.subject,
          sender: formatAddress(plan.sender),
          version: plan.version,
          patches: plan.patches.length,
          mails,
          appliedAt: new Date(u.appliedAt),
        },
        unit.signal,
      );
      // The merge request's status note links the file (its text is read when it is delivered,
      // after this unit's result is recorded).
      if (deps.store.mergeRequests.get(u.seriesId))
        queueForge(deps.store.work, `status:${u.seriesId}:archived`, {
          type: 'status-note',
          seriesId: u.seriesId,
        });
      return done(file);
    },
  };
}
