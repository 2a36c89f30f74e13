import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.ts';
import { createContext, type Context } from '../../../src/runtime/context.ts';
import { demoConfig } from '../../../src/demo/demo.ts';
import { createDemoWorld } from '../../../src/demo/world.ts';
import { sync } from '../../../src/app/stages.ts';
import { queueBuilds } from '../../../src/app/build/build.ts';
import { printBuild, printSync } from '../../../src/cli/print.ts';
import { retryDead } from '../../../src/runtime/retry.ts';
import { silentLogger } from '../../../src/shared/log.ts';
import { commitFiles, formatPatches, git, uniqueIds } from '../../helpers/git.ts';
import { queuedMail } from '../../helpers/outbox.ts';
import { tempDir } from '../../helpers/tmp.ts';

async function demoContext() {
  const world = await createDemoWorld(join(tempDir(), 'world'));
  const file = join(world.dir, 'patchferry.yml');
  writeFileSync(file, demoConfig('http://127.0.0.1:1/'));
  return { world, open: () => createContext(loadConfig(file), silentLogger()) };
}

/** The SQLite database at `path` removed with its WAL files: the next run starts fresh, as a CI job's. */
function dropDatabase(path: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
}

describe('sync in direct mode', () => {
  it('applies the complete series, rejects the unknown repo, reports the conflict, and ignores the review', async () => {
    const { world, open } = await demoContext();
    const ctx = await open();
    const s = await sync(ctx);
    expect(s.newMails).toBe(8);
    expect(s.applied.map((a) => a.branch).sort()).toEqual(['master', 'stable-1.0']);
    expect(s.failed).toMatchObject([{ branch: 'master', part: 1 }]);
    expect(s.rejected).toMatchObject([{ reason: 'repository "qemu" is not known here (known: hello)' }]);
    expect(s.ignored).toBe(1);
    const log = git(world.upstream, ['log', '--format=%s', 'master']).trim().split('\n');
    expect(log).toEqual([
      'spec: release 2 with the name argument',
      'README: document the name argument',
      'hello: greet the name given on the command line',
      'hello 1.0',
    ]);
    expect(ctx.store.mails.open()).toEqual([]);
    // The rejection (keyed by the mail) and the failure report (keyed by the series) wait in the outbox.
    expect(
      queuedMail(ctx.store)
        .map((r) => r.key.split(':')[0])
        .sort(),
    ).toEqual(['mail', 'series']);
    ctx.store.close();
  });

  it('does nothing twice when run again, and picks up mail appended later', async () => {
    const { world, open } = await demoContext();
    let ctx = await open();
    await sync(ctx);
    ctx.store.close();
    const tips = git(world.upstream, ['for-each-ref', '--format=%(objectname)', 'refs/heads']);

    ctx = await open();
    const again = await sync(ctx);
    expect(again).toMatchObject({ newMails: 0, applied: [], failed: [], rejected: [] });
    expect(git(world.upstream, ['for-each-ref', '--format=%(objectname)', 'refs/heads'])).toBe(tips);
    ctx.store.close();

    // A new single patch arrives on the list.
    const work = join(world.dir, 'src', 'hello');
    git(work, ['checkout', '-q', '-b', 'late', 'stable-1.0']);
    commitFiles(work, 'README: mention the stable branch', {
      README: 'hello\n=====\n\nPrints a greeting (stable).\n',
    });
    const [mail] = formatPatches(work, 1, ['--subject-prefix=stable-1.0 PATCH hello']);
    appendFileSync(world.mbox, `${mail?.toString()}\n`);
    ctx = await open();
    const late = await sync(ctx);
    expect(late).toMatchObject({ newMails: 1, applied: [{ branch: 'stable-1.0' }] });
    ctx.store.close();
  });

  it("with a fresh database (a CI job's), reports series on their branch as applied before, not failed, though later commits conflict with them", async () => {
    const { world, open } = await demoContext();
    let ctx = await open();
    await sync(ctx);
    const database = ctx.config.state.database;
    ctx.store.close();
    // The branch moves on over the lines the series changed: applied again, its patch 2 conflicts.
    const clone = join(tempDir(), 'clone');
    git(tempDir(), ['clone', '-q', world.upstream, clone]);
    commitFiles(clone, 'README: say it shorter', { README: 'hello\n=====\n\nGreets.\n' });
    git(clone, ['push', '-q', 'origin', 'master']);
    const tips = git(world.upstream, ['for-each-ref', '--format=%(objectname)', 'refs/heads']);
    dropDatabase(database);

    ctx = await open();
    const s = await sync(ctx);
    expect(s.already.map((a) => a.branch).sort()).toEqual(['master', 'stable-1.0']);
    expect(s.applied).toEqual([]);
    // Only the series that never applied fails again.
    expect(s.failed).toMatchObject([{ branch: 'master', part: 1 }]);
    const master = s.already.find((a) => a.branch === 'master');
    expect(git(world.upstream, ['log', '-1', '--format=%s', master?.head ?? '']).trim()).toBe(
      'spec: release 2 with the name argument',
    );
    expect(git(world.upstream, ['for-each-ref', '--format=%(objectname)', 'refs/heads'])).toBe(tips);
    // Not archived, built or reported a second time.
    for (const a of s.already) expect(ctx.store.work.get(`archive:${a.series}`)).toBeUndefined();
    expect(ctx.store.series.unbuiltBranches()).toEqual([]);
    ctx.store.close();
  });

  it("with a fresh database, reports a series its sender's rules would hold as applied before when it is on its branch (released and applied elsewhere)", async () => {
    const { world, open } = await demoContext();
    let ctx = await open();
    await sync(ctx);
    const database = ctx.config.state.database;
    ctx.store.close();
    dropDatabase(database);
    // Now no sender is allowed: a CI job's database knows no release a maintainer gave.
    const file = join(world.dir, 'patchferry.yml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('senders: [example.org]', 'senders: [nobody.example]'),
    );
    ctx = await open();
    const s = await sync(ctx);
    expect(s.already.map((a) => a.branch).sort()).toEqual(['master', 'stable-1.0']);
    // Only the series that never applied is held; no "held" notice for the others.
    expect(s.held).toHaveLength(1);
    expect(s.already.map((a) => a.series)).not.toContain(s.held[0]?.series);
    expect(s.applied).toEqual([]);
    expect(queuedMail(ctx.store).filter((m) => m.key.endsWith(':held'))).toHaveLength(1);
    for (const a of s.already) expect(ctx.store.series.get(a.series)?.state).toBe('applied');
    ctx.store.close();
  });

  it('gives up at once on a series for a configured branch the repository lacks, saying what to fix', async () => {
    const { world, open } = await demoContext();
    git(world.upstream, ['branch', '-D', 'stable-1.0']);
    const ctx = await open();
    const s = await sync(ctx);
    expect(s.applied.map((a) => a.branch)).toEqual(['master']);
    expect(s.units).toMatchObject([
      {
        kind: 'series',
        code: 'git_branch_missing',
        retryAt: null,
        error: expect.stringContaining(
          `project hello: the repository ${world.upstream} has no branch "stable-1.0": correct projects.hello.branches in the configuration, or create the branch`,
        ),
      },
    ]);
    expect(ctx.store.work.list('failed', ['series'])).toEqual([]);
    ctx.store.close();
  });

  it('applies a series given up on for a missing branch once the branch exists and its exact key is asked for again', async () => {
    const { world, open } = await demoContext();
    const tip = git(world.upstream, ['rev-parse', 'stable-1.0']).trim();
    git(world.upstream, ['branch', '-D', 'stable-1.0']);
    const ctx = await open();
    const first = await sync(ctx);
    const key = first.units[0]?.key ?? '';
    expect(key).toMatch(/^series:/);
    // The given-up series is counted on the summary line, not only listed below it.
    const said: string[] = [];
    printSync(first, (l) => said.push(l));
    expect(said[0]).toContain('1 series applied, 1 failed, 1 given up,');
    // A build of every branch says the missing one waits for a fix, not for the next run.
    const built: string[] = [];
    printBuild({ builds: [], units: [], skipped: (await queueBuilds(ctx, { all: true })).skipped }, (l) =>
      built.push(l),
    );
    expect(built.find((l) => l.includes('SKIPPED'))).toMatch(
      /stable-1\.0: .*\(not built until this is fixed\)$/,
    );

    git(world.upstream, ['branch', 'stable-1.0', tip]);
    // A key is one whole key: its start alone matches nothing unless it ends in '*'.
    expect(retryDead(ctx.config, [key.slice(0, -1)])).toEqual([]);
    expect(retryDead(ctx.config, [key])).toEqual([key]);
    const second = await sync(ctx);
    expect(second.applied).toMatchObject([{ branch: 'stable-1.0' }]);
    expect(git(world.upstream, ['rev-parse', 'stable-1.0']).trim()).not.toBe(tip);
    const seriesId = key.slice('series:'.length);
    expect(ctx.store.series.get(seriesId)?.state).toBe('applied');
    expect(ctx.store.mails.open()).toEqual([]);
    ctx.store.close();
  });

  it('waits for the missing part of a series, then applies it when it arrives', async () => {
    const { world, open } = await demoContext();
    const mbox = readFileSync(world.mbox, 'utf8');
    const entries = mbox.split(/\n(?=From \S+ .*\d{4}\n)/);
    // Hold back patch 3/3 of the series (the 4th mail); leave out the patch that conflicts with it.
    const held = entries[3] as string;
    writeFileSync(world.mbox, `${entries.filter((_, i) => i !== 3 && i !== 7).join('\n')}\n`);
    let ctx = await open();
    const first = await sync(ctx);
    expect(first.incomplete).toMatchObject([{ have: 2, total: 3 }]);
    expect(first.applied.map((a) => a.branch)).toEqual(['stable-1.0']);
    ctx.store.close();

    appendFileSync(world.mbox, `${held}\n`);
    ctx = await open();
    const second = await sync(ctx);
    expect(second.applied).toMatchObject([{ branch: 'master' }]);
    expect(second.incomplete).toEqual([]);
    ctx.store.close();
  });

  it('reports a series still incomplete after the grace period and never applies it', async () => {
    const { world, open } = await demoContext();
    const entries = readFileSync(world.mbox, 'utf8').split(/\n(?=From \S+ .*\d{4}\n)/);
    // Only the cover letter and patch 1/3 of the series ever arrive.
    writeFileSync(world.mbox, `${entries.slice(0, 2).join('\n')}\n`);
    let ctx = await open();
    expect((await sync(ctx)).incomplete).toHaveLength(1);
    ctx.store.close();

    ctx = await open();
    const later = await sync({ ...ctx, clock: { now: () => Date.now() + 4 * 24 * 3600 * 1000 } });
    expect(later.expired).toMatchObject([{ have: 1, total: 3 }]);
    expect(later.applied).toEqual([]);
    const [report] = queuedMail(ctx.store);
    expect(report?.subject).toMatch(/\(patchferry: incomplete\)$/);
    expect(report?.body).toContain('parts 2, 3 did not arrive within 72 hours');
    expect(ctx.store.mails.open()).toEqual([]);
    ctx.store.close();
  });

  it('records a series pushed by a run that died before recording it, instead of applying it twice', async () => {
    const { world, open } = await demoContext();
    const ctx = await open();
    // The applier pushes, and the process "dies" right after, before sync records anything.
    const dying: Context = {
      ...ctx,
      applier: {
        apply: async (request, hooks) => {
          await ctx.applier.apply(request, hooks);
          throw new Error('killed after the push');
        },
      },
    };
    // Each series' unit fails, unexpectedly: retried later; the other series still ran.
    const first = await sync(dying);
    expect(first.units).toHaveLength(3);
    expect(first.units.every((u) => u.code === 'unexpected' && u.retryAt !== null)).toBe(true);
    expect(first.units[0]?.error).toBe('killed after the push');
    const pushedTip = git(world.upstream, ['rev-parse', 'master']).trim();

    // The next run, once the retries are due.
    const after = await sync({ ...ctx, clock: { now: () => Date.now() + 3600_000 } });
    expect(after.applied.map((a) => a.branch).sort()).toEqual(['master', 'stable-1.0']);
    expect(after.failed).toMatchObject([{ branch: 'master', part: 1 }]);
    expect(git(world.upstream, ['rev-parse', 'master']).trim()).toBe(pushedTip);
    expect(git(world.upstream, ['log', '--format=%s', 'master']).trim().split('\n')).toHaveLength(4);
    ctx.store.close();
  });

  it('applies only the newest version when several versions of a series come in one batch', async () => {
    const { world, open } = await demoContext();
    writeFileSync(world.mbox, '');
    const work = join(world.dir, 'src', 'hello');
    git(work, ['checkout', '-q', '-b', 'versions', 'master']);
    commitFiles(work, 'README: say hello', { README: 'hello\n' });
    const v1 = uniqueIds(
      git(work, ['format-patch', '--stdout', '--thread', '-1', '--subject-prefix=master PATCH hello']),
    );
    const v1Id = /^Message-I[dD]: <([^>]+)>/m.exec(v1)?.[1] ?? '';
    commitFiles(work, 'README: say hello twice', { README: 'hello\nhello\n' });
    git(work, ['reset', '-q', '--soft', 'HEAD~2']);
    git(work, ['commit', '-q', '-m', 'README: say hello']);
    const v2 = uniqueIds(
      git(work, [
        'format-patch',
        '--stdout',
        '--thread',
        '-1',
        '-v2',
        `--in-reply-to=<${v1Id}>`,
        '--subject-prefix=master PATCH hello',
      ]),
    );
    appendFileSync(world.mbox, `${v1}\n${v2}\n`);
    const ctx = await open();
    const s = await sync(ctx);
    expect(s.superseded).toEqual([v1Id]);
    expect(s.applied).toHaveLength(1);
    expect(s.failed).toEqual([]);
    expect(ctx.store.mails.get(v1Id)?.outcome).toBe('superseded');
    expect(git(world.upstream, ['show', 'master:README']).trim().split('\n').slice(-2)).toEqual([
      'hello',
      'hello',
    ]);
    ctx.store.close();
  });

  it('recognises a resend of applied patches under new Message-IDs and applies nothing twice', async () => {
    const { world, open } = await demoContext();
    writeFileSync(world.mbox, '');
    const work = join(world.dir, 'src', 'hello');
    git(work, ['checkout', '-q', '-b', 'resent', 'master']);
    commitFiles(work, 'README: say hello', { README: 'hello\n' });
    const send = (prefix: string) =>
      uniqueIds(git(work, ['format-patch', '--stdout', '--thread', '-1', `--subject-prefix=${prefix}`]));
    appendFileSync(world.mbox, `${send('master PATCH hello')}\n`);
    let ctx = await open();
    const first = await sync(ctx);
    ctx.store.close();
    expect(first.applied).toHaveLength(1);

    // Sent again with another subject prefix: the same change.
    appendFileSync(world.mbox, `${send('master PATCH hello RESEND')}\n`);
    ctx = await open();
    const again = await sync(ctx);
    expect(again).toMatchObject({ newMails: 1, applied: [], failed: [] });
    expect(again.resends).toEqual([{ series: expect.any(String), of: first.applied[0]?.series }]);
    ctx.store.close();
  });

  describe('a new version of a series already applied', () => {
    /** v1 (two patches, with a cover letter) applied by a first run; returns what the second needs. */
    async function firstVersionApplied() {
      const { world, open } = await demoContext();
      writeFileSync(world.mbox, '');
      const work = join(world.dir, 'src', 'hello');
      git(work, ['checkout', '-q', '-b', 'v', 'master']);
      commitFiles(work, 'README: say hello', { README: 'hello\n' });
      commitFiles(work, 'NOTES: add notes', { NOTES: 'notes\n' });
      const send = (version: number, count: number, inReplyTo?: string) => {
        const mails = uniqueIds(
          git(work, [
            'format-patch',
            '--stdout',
            '--thread',
            '--cover-letter',
            `-${count}`,
            `-v${version}`,
            ...(inReplyTo ? [`--in-reply-to=<${inReplyTo}>`] : []),
            '--subject-prefix=master PATCH hello',
          ]),
        );
        appendFileSync(world.mbox, `${mails}\n`);
        return /^Message-I[dD]: <([^>]+)>/m.exec(mails)?.[1] ?? '';
      };
      const v1 = send(1, 2);
      const ctx = await open();
      const first = await sync(ctx);
      ctx.store.close();
      expect(first.applied).toHaveLength(1);
      const tip = git(world.upstream, ['rev-parse', 'master']).trim();
      return { world, open, work, send, v1, tip };
    }

    it('applies only the patches v2 adds, on top of v1', async () => {
      const { world, open, work, send, v1, tip } = await firstVersionApplied();
      commitFiles(work, 'TODO: list what is left', { TODO: 'todo\n' });
      send(2, 3, v1);
      const ctx = await open();
      const s = await sync(ctx);
      expect(s).toMatchObject({ applied: [{ branch: 'master' }], failed: [] });
      expect(git(world.upstream, ['log', '--format=%s', `${tip}..master`]).trim()).toBe(
        'TODO: list what is left',
      );
      ctx.store.close();
    });

    it('applies nothing and tells the sender which patches changed, when v2 changes a patch v1 pushed', async () => {
      const { world, open, work, send, v1, tip } = await firstVersionApplied();
      commitFiles(work, 'NOTES: add notes', { NOTES: 'better notes\n' });
      git(work, ['reset', '-q', '--soft', 'HEAD~2']);
      git(work, ['commit', '-q', '-m', 'NOTES: add notes']);
      const v2 = send(2, 2, v1);
      const ctx = await open();
      const s = await sync(ctx);
      expect(s.applied).toEqual([]);
      expect(s.failed).toMatchObject([
        { part: 2, reason: expect.stringContaining('version 1 is already on master') },
      ]);
      expect(git(world.upstream, ['rev-parse', 'master']).trim()).toBe(tip);
      expect(ctx.store.mails.get(v2)?.outcome).toMatch(/^not applied: version 1 is already on master/);
      const report = queuedMail(ctx.store).find((r) => r.key === `series:${v2}:failed`);
      expect(report?.subject).toMatch(/\(patchferry: version 1 already applied\)$/);
      // Only the changed patch is named; the unchanged one is on master already.
      expect(report?.body).toContain('These patches differ from version 1:\n  [2/2] NOTES: add notes\n\n');
      ctx.store.close();
    });

    it('takes v2 with the same changes as v1 for a resend', async () => {
      const { world, open, work, send, v1, tip } = await firstVersionApplied();
      git(work, ['commit', '-q', '--amend', '-m', 'NOTES: add notes, reworded']);
      send(2, 2, v1);
      const ctx = await open();
      const s = await sync(ctx);
      expect(s).toMatchObject({ applied: [], failed: [], resends: [{ of: v1 }] });
      expect(git(world.upstream, ['rev-parse', 'master']).trim()).toBe(tip);
      ctx.store.close();
    });
  });
});
