import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { demoConfig } from '../../src/demo/demo.ts';
import { createDemoWorld } from '../../src/demo/world.ts';
import { commitFiles, formatPatches, git, uniqueIds } from '../helpers/git.ts';
import { KillWindow, runPatchferry } from '../helpers/kill.ts';
import { rpmToolsAvailable } from '../helpers/rpm.ts';
import { tempDir } from '../helpers/tmp.ts';

const available = rpmToolsAvailable('the SIGKILL test of build');

describe.skipIf(!available)('build, whatever kills the process', () => {
  it('ends with one succeeded build per commit and platform, no unit left running, and each build published once, after SIGKILL at random points', async () => {
    const world = await createDemoWorld(join(tempDir(), 'world'));
    const configFile = join(world.dir, 'patchferry.yml');
    writeFileSync(configFile, demoConfig('http://127.0.0.1:1/'));
    const config = ['--config', configFile];
    const first = await runPatchferry(['sync', ...config]);
    // The demo's own patch that does not apply makes this sync exit 1; the two others apply.
    expect(first.stdout).toContain('2 series applied, 1 failed');

    // A developer's clone: each round mails one more patch, to master and stable-1.0 in turn, so
    // every build run has new commits to build (two platforms each) and work to be killed in.
    const dev = join(world.dir, 'dev');
    git(world.dir, ['clone', '-q', world.upstream, dev]);
    git(dev, ['branch', '-q', 'stable-1.0', 'origin/stable-1.0']);
    const mailPatch = (round: number, branch: string) => {
      git(dev, ['checkout', '-q', branch]);
      commitFiles(dev, `notes: round ${round}`, { [`notes-${round}.txt`]: `round ${round}\n` });
      const [mail] = formatPatches(dev, 1, [`--subject-prefix=${branch} PATCH hello`]);
      appendFileSync(world.mbox, `\n${uniqueIds(mail?.toString('utf8') ?? '')}`);
    };

    const database = join(world.dir, 'state', 'patchferry.db');
    const finishedBuilds = () => {
      const look = new DatabaseSync(database, { readOnly: true });
      try {
        return Number(look.prepare(`SELECT count(*) AS n FROM builds WHERE state != 'running'`).get()?.n);
      } finally {
        look.close();
      }
    };
    const window = new KillWindow(3000);
    // publish has nothing to do yet: it takes what any stage takes to start and stop.
    window.idle(await runPatchferry(['publish', ...config]));
    let kills = 0;
    for (let round = 0; round < 8; round++) {
      mailPatch(round, round % 2 === 0 ? 'master' : 'stable-1.0');
      const synced = await runPatchferry(['sync', ...config]);
      expect(synced.stdout).toContain('1 series applied, 0 failed');
      const before = finishedBuilds();
      const killAfterMs = window.next();
      const run = await runPatchferry(['build', ...config], { killAfterMs });
      if (run.killed) kills++;
      else window.finished(run);
      console.log(
        `kill-build round ${round}: SIGKILL at ${killAfterMs} ms, ${run.killed ? 'killed' : `finished first (${run.ms} ms, exit ${run.code})`}; +${finishedBuilds() - before} build(s) finished`,
      );
    }
    const last = await runPatchferry(['build', ...config]);
    expect(last.stderr).toBe('');
    expect(last.code).toBe(0);
    expect(kills).toBeGreaterThan(0);

    const db = new DatabaseSync(database, { readOnly: true });
    const builds = () =>
      db
        .prepare('SELECT id, branch, commit_id, platform, state, rpms FROM builds ORDER BY id')
        .all()
        .map((r) => ({
          id: Number(r.id),
          branch: String(r.branch),
          commit: String(r.commit_id),
          platform: String(r.platform),
          state: String(r.state),
          rpms: JSON.parse(String(r.rpms)) as string[],
        }));
    try {
      expect(db.prepare(`SELECT key, state FROM work WHERE state = 'running'`).all()).toEqual([]);
      expect(
        db.prepare(`SELECT key, state FROM work WHERE kind = 'build' AND state != 'done'`).all(),
      ).toEqual([]);
      const built = builds();
      const rerun = db
        .prepare(`SELECT count(*) AS n FROM work WHERE kind = 'build' AND attempts > 1`)
        .get()?.n;
      console.log(
        `kill-build: ${kills} kill(s); ${built.length} builds of ${built.length / 2} commits, ${rerun} of them run again after a kill`,
      );
      // One record per (commit, platform), succeeded, for every build unit that ran.
      expect(new Set(built.map((b) => `${b.commit} ${b.platform}`)).size).toBe(built.length);
      expect(built.filter((b) => b.state !== 'succeeded')).toEqual([]);
      const units = db.prepare(`SELECT count(*) AS n FROM work WHERE kind = 'build'`).get()?.n;
      expect(built).toHaveLength(Number(units));
      // Both branches' tips are built for both platforms.
      for (const branch of ['master', 'stable-1.0']) {
        const tip = git(world.upstream, ['rev-parse', branch]).trim();
        expect(built.filter((b) => b.commit === tip).map((b) => b.platform)).toEqual(['el9', 'fc41']);
      }
      // What each record names is a whole package of its platform, not one a killed run left half-written.
      for (const b of built) {
        expect(b.rpms).toHaveLength(2);
        for (const rpm of b.rpms) {
          const release = execFileSync('rpm', ['-qp', '--nosignature', '--qf', '%{RELEASE}', rpm], {
            encoding: 'utf8',
            stdio: 'pipe',
          });
          // The SRPM is made once per commit, without a dist tag; each target's RPMs carry theirs.
          if (rpm.endsWith('.src.rpm')) expect(release).toMatch(/git[0-9a-f]{7}$/);
          else expect(release).toMatch(new RegExp(`\\.${b.platform}$`));
        }
      }

      const published = await runPatchferry(['publish', ...config]);
      expect(published.stderr).toBe('');
      expect(published.stdout).toContain(`publish: ${built.length} repositor(ies) updated, 0 failed`);
      expect(
        db.prepare('SELECT count(DISTINCT build_id) AS n, count(*) AS rows FROM publications').get(),
      ).toEqual({ n: built.length, rows: built.length });
      for (const branch of ['master', 'stable-1.0'])
        for (const platform of ['el9', 'fc41'])
          expect(
            existsSync(join(world.repoRoot, 'hello', branch, platform, 'x86_64', 'repodata', 'repomd.xml')),
          ).toBe(true);
      const again = await runPatchferry(['publish', ...config]);
      expect(again.stdout).toContain('publish: 0 repositor(ies) updated, 0 failed');
    } finally {
      db.close();
    }
  }, 240_000);
});
