import { sleep } from '../shared/backoff.ts';
import { errorMessage } from '../shared/errors.ts';
import type { Deps } from '../app/deps.ts';
import { intake } from '../app/intake/intake.ts';
import { settle } from '../app/intake/ingest.ts';
import { detectMerges } from '../app/propose/merges.ts';
import { queueBuilds } from '../app/build/build.ts';
import { queuePublications } from '../app/publish/publish.ts';
import { queueBuildReports } from '../app/report/series-report.ts';
import { handlers, workerOptions } from '../app/stages.ts';
import { collector, roundSummary, type JobSummary } from '../app/summaries.ts';
import { work } from '../work/worker.ts';
import type { UnitKind } from '../ports/work-queue.ts';
import type { Metrics } from '../ports/metrics.ts';
import { PatchferryError } from '../shared/errors.ts';

export interface WatchOptions {
  /** How often sources that cannot push (files, archives) are read again. */
  readonly pollMs: number;
  /** How often, while patchferry has open merge requests, the forge is asked whether one was merged
   * (for forges whose webhooks do not reach patchferry); pollMs when not given. */
  readonly forgePollMs?: number;
  /** Aborting it stops taking new work; running units get `graceMs` to finish, then are aborted
   * and run again at the next start. */
  readonly signal: AbortSignal;
  readonly graceMs?: number;
  /** Receives a function that asks for a run, for news from elsewhere (a forge's webhook). */
  readonly onReady?: (poke: () => void) => void;
  /** Called after each intake and after each drain that ran units, with what it did, or with the
   * error that stopped it. */
  readonly onRun?: (result: { job: JobSummary } | { error: unknown }) => void;
  /** Told of every unit run, mail taken in and failure outside a unit (/metrics). */
  readonly metrics?: Metrics;
  /** Called whenever a worker ends a unit or finds nothing due: the queue moves (/readyz). */
  readonly onProgress?: () => void;
}

/** The kinds each of the daemon's workers runs: one for everything but builds, and
 * `work.builders` for builds and the test stage's checks (as long as a build, and as heavy). */
function workers(builders: number): (readonly UnitKind[])[] {
  const build: readonly UnitKind[] = ['build', 'check'];
  return [
    ['series', 'archive', 'forge', 'publish', 'mail'],
    ...Array.from({ length: builders }, () => build),
  ];
}

/**
 * The daemon: intake and workers side by side, so that a long build holds up neither the mail,
 * nor new series and reports, nor the builds of other branches.
 * - intake: at start and whenever a source says new mail may have arrived (IMAP IDLE, or polling
 *   where there is none), or a webhook or the forge poll says a merge request moved: merges
 *   recorded, mail read, complete series queued as units of work;
 * - the workers (one for series, publications, mails and forge effects; `work.builders` for
 *   builds): each runs its due units, and after a drain that ran some queues what follows from
 *   them (builds of branches that received series, publications, reports) and wakes the others;
 *   then sleeps until a unit of its kinds is due (a retry, a wait on the outside) or it is woken.
 * An error in a round is reported and the loop goes on.
 */
export async function watch(ctx: Deps, options: WatchOptions): Promise<void> {
  const { signal } = options;
  const poked = signal_();
  options.onReady?.(poked.fire);

  const listeners = ctx.sources.map(async (source) => {
    const changes = source.watch(signal);
    if (changes) {
      for await (const _ of changes) poked.fire();
    } else {
      while (!signal.aborted) {
        poked.fire();
        await sleep(options.pollMs, signal);
      }
    }
  });
  // Mail pushed by IDLE says nothing about merges in the forge's web UI: without webhooks, a merge
  // would wait for the next mail. While merge requests are open, the forge is asked now and then.
  if (ctx.forge) {
    listeners.push(
      (async () => {
        while (!signal.aborted) {
          await sleep(options.forgePollMs ?? options.pollMs, signal);
          if (!signal.aborted && ctx.store.mergeRequests.open().length > 0) poked.fire();
        }
      })(),
    );
  }

  // Builds, which take minutes to hours, on workers of their own (work.builders), apart from
  // everything else (series, publications, mails, forge notes): a long build holds up neither new
  // series nor reports, nor the builds of other branches.
  const kinds = workers(ctx.config.work.builders);
  const wakes = kinds.map(() => signal_());
  const wakeAll = () => wakes.forEach((w) => w.fire());

  const intakeLoop = (async () => {
    while (!signal.aborted) {
      await Promise.race([poked.next(), aborted(signal)]);
      if (signal.aborted) break;
      try {
        const looked = await detectMerges(ctx);
        const taken = await intake(ctx);
        options.metrics?.mailsReceived(taken.newMails);
        wakeAll();
        options.onRun?.({ job: roundSummary({ taken: { ...taken, ...looked } }) });
      } catch (err) {
        ctx.log.error({ err: errorMessage(err) }, 'intake failed; waiting for the next mail or poll');
        options.metrics?.failed('intake', codeOf(err));
        options.onRun?.({ error: err });
      }
    }
  })();

  const running = kinds.map((kindsOf, i) => {
    const c = collector();
    const nothingQueued = { reused: [], skipped: [] };
    let queued: Awaited<ReturnType<typeof queueBuilds>> = nothingQueued;
    let started = false;
    const metrics = options.metrics;
    const onRan = (run: Parameters<Metrics['unitRan']>[0]) => {
      metrics?.unitRan(run);
      options.onProgress?.();
    };
    return work({ ...workerOptions(ctx, handlers(ctx, c)), onRan }, kindsOf, {
      signal,
      graceMs: options.graceMs ?? 30_000,
      wake: () => wakes[i]?.next() ?? Promise.resolve(),
      onDrained: async (drained) => {
        options.onProgress?.();
        const did = drained.done.length + drained.retrying.length + drained.dead.length > 0;
        if (did || queued.reused.length + queued.skipped.length > 0)
          options.onRun?.({ job: roundSummary({ c, drained, queued }) });
        // The handlers push into the same arrays, emptied after each round.
        c.series.length = c.builds.length = c.published.length = c.checked.length = c.deliveries.length = 0;
        queued = nothingQueued;
        // After units ran, and once at start for what earlier runs left to queue.
        if (!did && started) return;
        started = true;
        try {
          // What the units just done lead to: branches with new series are built, builds
          // published, finished series reported. Queued units are due at once; the other
          // worker is woken for those of its kinds.
          await settle(ctx);
          queued = await queueBuilds(ctx);
          queuePublications(ctx);
          await queueBuildReports(ctx);
          wakeAll();
        } catch (err) {
          ctx.log.error({ err: errorMessage(err) }, 'queueing the next units failed; trying again later');
          options.metrics?.failed('queue', codeOf(err));
          options.onRun?.({ error: err });
        }
      },
    });
  });
  await Promise.allSettled([intakeLoop, ...running, ...listeners]);
}

/** A repeatable signal: `next()` resolves at the next `fire()`, or at once if one came since the
 * last `next()` (news during a round causes exactly one more round). */
function signal_(): { fire: () => void; next: () => Promise<void> } {
  let pending = false;
  let wake: (() => void) | null = null;
  return {
    fire: () => {
      pending = true;
      wake?.();
    },
    next: () => {
      if (pending) {
        pending = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        wake = () => {
          pending = false;
          wake = null;
          resolve();
        };
      });
    },
  };
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

function codeOf(err: unknown): string {
  return err instanceof PatchferryError ? err.code : 'unexpected';
}
