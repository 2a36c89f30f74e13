import type { Forge } from '../../ports/forge.ts';
import { PatchferryError, errorMessage } from '../../shared/errors.ts';
import { hasMarker, markedNote, renderStatusNote, statusMarker } from '../../render/status-note.ts';
import { forgeEffect, mailEffect, type ForgeEffect, type MailEffect } from '../../work/effects.ts';
import { done, type UnitHandler, type UnitOutcome } from '../../work/worker.ts';
import type { Deps } from '../deps.ts';
import { ensureMergeRequest, type Proposal } from '../propose/merge-request-effect.ts';
import { statusFacts } from './status.ts';

/** What a delivered effect did, for the job's summary. */
export type Delivery =
  | {
      readonly type: 'mail';
      readonly key: string;
      readonly subject: string;
      readonly to: readonly string[];
      readonly body: string;
    }
  | {
      readonly type: 'forge';
      readonly key: string;
      readonly what: string;
      readonly proposal: Proposal | null;
    };

/**
 * Delivers a mail to every destination (the list's SMTP server, the outbox file) that has not
 * got it yet; each destination that takes it is recorded at once, so a retry after one failed
 * never sends it twice to the others. The same key gives the same Message-ID everywhere.
 */
export function mailHandler(
  deps: Pick<Deps, 'store' | 'notifiers'>,
  delivered: (d: Delivery) => void,
): UnitHandler<MailEffect> {
  return {
    schema: mailEffect,
    async run(effect, unit): Promise<UnitOutcome> {
      const reached = deps.store.work.deliveredTo(unit.key);
      const errors: unknown[] = [];
      for (const notifier of deps.notifiers) {
        for (const destination of notifier.destinations(effect.message)) {
          if (reached.has(destination)) continue;
          try {
            await notifier.send(unit.key, effect.message, destination);
            deps.store.work.recordDelivery(unit.key, destination);
          } catch (err) {
            errors.push(err);
            unit.log.warn({ destination, err: errorMessage(err) }, 'mail not delivered');
          }
        }
      }
      // Retried while a destination may still take it; given up on when every refusal is final.
      const retryable = errors.find((e) => !(e instanceof PatchferryError) || e.retryable);
      if (retryable !== undefined) throw retryable;
      const [first] = errors;
      if (first !== undefined) throw first;
      const { message } = effect;
      delivered({
        type: 'mail',
        key: unit.key,
        subject: message.subject,
        to: [...message.to, ...message.cc],
        body: message.body,
      });
      return done({ to: [...message.to, ...message.cc] });
    },
  };
}

/** Delivers effects on the forge: merge requests opened or updated, notes (posted once: found again
 * by their hidden marker), the status note (edited in place), commit statuses, closings. */
export function forgeHandler(
  deps: Pick<Deps, 'config' | 'log' | 'store' | 'forge' | 'builder'>,
  delivered: (d: Delivery) => void,
): UnitHandler<ForgeEffect> {
  return {
    schema: forgeEffect,
    async run(effect, unit): Promise<UnitOutcome> {
      const forge = deps.forge;
      if (!forge)
        throw new PatchferryError(
          'report_no_forge',
          `${unit.key} is for a merge request, but no forge is configured; configure forge (or the effect stays undelivered)`,
        );
      const result = await deliverToForge(deps, forge, effect, unit.key);
      delivered({ type: 'forge', key: unit.key, what: result.what, proposal: result.proposal });
      return done({ what: result.what });
    },
  };
}

async function deliverToForge(
  deps: Pick<Deps, 'config' | 'log' | 'store' | 'builder'>,
  forge: Forge,
  effect: ForgeEffect,
  key: string,
): Promise<{ what: string; proposal: Proposal | null }> {
  if (effect.type === 'merge-request') {
    const proposal = await ensureMergeRequest(deps, forge, forgePathOf(deps, effect.project), effect);
    return { what: `merge request ${proposal.action}: ${proposal.url}`, proposal };
  }
  const mr = deps.store.mergeRequests.get(effect.seriesId);
  if (!mr)
    throw new PatchferryError(
      'report_no_merge_request',
      `${key} is for the merge request of series ${effect.seriesId}, which patchferry has no record of`,
    );
  const forgePath = forgePathOf(deps, mr.project);
  switch (effect.type) {
    case 'merge-request-note':
      await ensureComment(forge, forgePath, mr.number, effect.marker, markedNote(effect.body, effect.marker));
      return { what: `note on ${mr.url}`, proposal: null };
    case 'status-note': {
      const facts = await statusFacts(deps, effect.seriesId);
      if (!facts) return { what: `no status for ${effect.seriesId}`, proposal: null };
      const body = renderStatusNote(facts);
      await ensureComment(forge, forgePath, mr.number, statusMarker(effect.seriesId, facts.version), body);
      return { what: `status note on ${mr.url}`, proposal: null };
    }
    case 'commit-status':
      await forge.setStatus(forgePath, effect.sha, effect.status);
      return {
        what: `${effect.status.name} ${effect.status.state} on ${effect.sha.slice(0, 12)} (${mr.url})`,
        proposal: null,
      };
    case 'close-merge-request': {
      const old = await forge.get(forgePath, mr.number);
      if (old.state === 'open') {
        await ensureComment(forge, forgePath, mr.number, key, markedNote(effect.note, key));
        await forge.close(forgePath, mr.number);
      }
      return { what: `closed ${mr.url}`, proposal: null };
    }
  }
}

/** Posts `body` unless a comment with `marker` is there already, which is then edited to `body`
 * (renovate's ensureComment): a retry after a crash never posts twice. */
async function ensureComment(
  forge: Forge,
  forgePath: string,
  number: number,
  marker: string,
  body: string,
): Promise<void> {
  const found = (await forge.comments(forgePath, number)).find((c) => hasMarker(c.body, marker));
  if (!found) await forge.comment(forgePath, number, body);
  else if (found.body !== body) await forge.editComment(forgePath, number, found.id, body);
}

function forgePathOf(deps: Pick<Deps, 'config'>, project: string): string {
  const forgePath = deps.config.projects[project]?.forgePath;
  if (!forgePath)
    throw new PatchferryError(
      'config_no_forge_path',
      `project ${project} has no forgePath: set projects.${project}.forgePath to its path on the forge`,
    );
  return forgePath;
}
