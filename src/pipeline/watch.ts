import { errorMessage } from '../shared/errors.ts';
import { sleep } from '../shared/backoff.ts';
import type { Context } from './context.ts';
import { runStages, type JobSummary } from './job.ts';

export interface WatchOptions {
  /** How often sources that cannot push (files, archives) are read again. */
  readonly pollMs: number;
  /** How often, while patchferry has open merge requests, the forge is asked whether one was merged
   * (for forges whose webhooks do not reach patchferry); pollMs when not given. */
  readonly forgePollMs?: number;
  readonly signal: AbortSignal;
  /** Receives a function that asks for a run, for news from elsewhere (a forge's webhook). */
  readonly onReady?: (poke: () => void) => void;
  /** Called after each run of the stages, with what it did or the error that stopped it. */
  readonly onRun?: (result: { job: JobSummary } | { error: unknown }) => void;
}

/** The daemon's loop: runs every stage once at start (each source asks for that), then again whenever a source says new mail may
 * have arrived (IMAP IDLE, or polling where there is none). One run at a time; news that comes during
 * a run causes exactly one more run after it. An error in a run is logged and the loop goes on: the
 * next mail, or the next poll, tries again. */
export async function watch(ctx: Context, options: WatchOptions): Promise<void> {
  const { signal } = options;
  let pending = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    pending = true;
    wake?.();
  };
  options.onReady?.(notify);

  const listeners = ctx.sources.map(async (source) => {
    const changes = source.watch(signal);
    if (changes) {
      for await (const _ of changes) notify();
    } else {
      while (!signal.aborted) {
        notify();
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
          if (!signal.aborted && ctx.store.mergeRequests.open().length > 0) notify();
        }
      })(),
    );
  }
  const stopped = new Promise<void>((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );

  while (!signal.aborted) {
    if (!pending) {
      await Promise.race([new Promise<void>((resolve) => (wake = resolve)), stopped]);
      wake = null;
      continue;
    }
    pending = false;
    try {
      const job = await runStages(ctx);
      options.onRun?.({ job });
    } catch (err) {
      ctx.log.error({ err: errorMessage(err) }, 'run failed; waiting for the next mail or poll');
      options.onRun?.({ error: err });
    }
  }
  await Promise.allSettled(listeners);
}
