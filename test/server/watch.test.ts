import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import type { MailSource } from '../../src/ports/mail-source.ts';
import { createContext } from '../../src/runtime/context.ts';
import type { JobSummary } from '../../src/runtime/index.ts';
import { watch } from '../../src/server/watch.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { gitlabWorld } from '../helpers/forge-world.ts';
import { tempDir } from '../helpers/tmp.ts';
import type { FakeGitLab } from '../servers/gitlab.ts';
import { until as waitUntil } from '../helpers/until.ts';
import { fakeDeps } from '../fakes/deps.ts';
import { patchMail } from '../fakes/source.ts';

/** A source that, like an IMAP folder under IDLE, says when mail comes (here: once, at the start)
 * instead of being polled. */
function pushOnly(source: MailSource): MailSource {
  return {
    ...source,
    read: (after, options) => source.read(after, options),
    async *watch(signal) {
      yield;
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    },
  };
}

describe('the watch loop in merge-request mode', () => {
  let gitlab: FakeGitLab | undefined;
  afterEach(async () => {
    await gitlab?.close();
  });

  it('notices a merge made in the web UI without mail or webhook, while its MR was open', async () => {
    const world = await gitlabWorld(tempDir(), 'glpat-token');
    gitlab = world.gitlab;
    const created = await createContext(loadConfig(world.configFile), silentLogger(), world.env);
    const ctx = { ...created, sources: created.sources.map(pushOnly) };
    const stop = new AbortController();
    const runs: JobSummary[] = [];
    const watching = watch(ctx, {
      pollMs: 60_000,
      forgePollMs: 100,
      signal: stop.signal,
      onRun: (run) => {
        if ('job' in run) runs.push(run.job);
      },
    });
    try {
      await until(() => runs.some((r) => r.sync.proposed.length === 1));
      world.gitlab.merge('virt/hello', 1);
      await until(() => runs.some((r) => r.sync.merged.length === 1));
      expect(ctx.store.mergeRequests.open()).toEqual([]);
      // Nothing open any more: the forge is not asked about it again.
      const asked = () =>
        world.gitlab.http.requests.filter((r) => r.method === 'GET' && /merge_requests\/1$/.test(r.path))
          .length;
      const count = asked();
      await new Promise((r) => setTimeout(r, 400));
      expect(asked()).toBe(count);
    } finally {
      stop.abort();
      await watching;
      ctx.store.close();
    }
  });
});

/** Waits for what the loop does; runs take seconds here. */
function until(condition: () => boolean, ms = 10_000): Promise<void> {
  return waitUntil(condition, ms);
}

describe('the daemon over in-memory ports', () => {
  it('applies a new series and sends its reports while a long build runs', async () => {
    const { deps, source, builder, notifier, git } = fakeDeps();
    let finish = () => {};
    builder.gate = new Promise<void>((resolve) => (finish = resolve));
    const stop = new AbortController();
    source.add(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }));
    const watching = watch(deps, { pollMs: 50, signal: stop.signal, graceMs: 100 });
    try {
      await waitUntil(() => builder.built.length === 1, 5000);
      // The build of master hangs; a series for master and a mail to answer come meanwhile.
      source.add(
        patchMail({ id: 'b@x', subject: '[master PATCH hello] add b' }),
        patchMail({ id: 'q@x', subject: '[master PATCH qemu] not here' }),
      );
      await waitUntil(() => git.applied.some((r) => r.workName === 'b@x'), 5000);
      await waitUntil(() => notifier.sent.some((s) => s.key === 'mail:q@x:rejected'), 5000);
      // A second builder may take master's new tip meanwhile (work.builders is 2): what matters is
      // that the hanging build held up neither the series nor the mail.
      const tip = await git.branchTip('hello', '', 'master');
      finish();
      // Then master is built again, with b in it.
      await waitUntil(() => builder.built.some((b) => b.commit === tip), 5000);
    } finally {
      finish();
      stop.abort();
      await watching;
    }
  });
});

describe('the daemon with two builders', () => {
  it('builds another branch while a long build of one runs', async () => {
    const { deps, source, builder } = fakeDeps();
    const config = {
      ...deps.config,
      projects: { hello: { ...deps.config.projects.hello!, branches: ['master', 'stable-1.0'] } },
    };
    let finish = () => {};
    const gate = new Promise<void>((resolve) => (finish = resolve));
    const start = builder.start.bind(builder);
    const started: string[] = [];
    // Only master's build hangs.
    builder.start = async (request) => {
      started.push(request.branch);
      if (request.branch === 'master') await gate;
      return start(request);
    };
    const stop = new AbortController();
    source.add(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }));
    const watching = watch({ ...deps, config }, { pollMs: 50, signal: stop.signal, graceMs: 100 });
    try {
      await waitUntil(() => started.includes('master'), 5000);
      source.add(patchMail({ id: 's@x', subject: '[stable-1.0 PATCH hello] fix s', file: 's.txt' }));
      await waitUntil(() => builder.built.some((b) => b.branch === 'stable-1.0'), 5000);
      expect(builder.built.map((b) => b.branch)).toEqual(['stable-1.0']);
    } finally {
      finish();
      stop.abort();
      await watching;
    }
  });
});
