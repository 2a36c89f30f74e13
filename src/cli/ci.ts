import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../shared/errors.ts';
import { help, parse, type Io } from './common.ts';
import { printBuild, printPublish, printReport, printSync } from './print.ts';

const STAGES = ['sync', 'build', 'publish', 'report'] as const;
/** `ci sync`'s exit status when all went well but some series did not apply (ci/templates). */
const SERIES_NOT_APPLIED = 3;
type Stage = (typeof STAGES)[number];

/**
 * `patchferry ci <stage>`: one job of the RPM pipeline (ci/templates/rpm-pipeline.yml,
 * ci/github/rpm-pipeline.yml). It reads the pipeline's variables, works on a database of its own
 * that starts empty and is gone afterwards (state that matters lives in the mailbox, the forge,
 * git and the artifacts), and passes builds on through the artifacts folder.
 */
export async function ciCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse('ci', args, {});
  if (values.help) return help('ci', io);
  const { config, logger } = await import('./settings.ts');
  const [stage, ...extra] = positionals;
  if (!STAGES.includes(stage as Stage))
    throw new UsageError(
      `ci: ${stage === undefined ? 'give the stage to run' : `unknown stage "${stage}"; the stages are`}: ${STAGES.join(', ')}; run "patchferry ci --help"`,
    );
  if (extra.length > 0) throw new UsageError(`ci: unexpected argument "${extra[0]}"`);
  const {
    readPipelineEvent,
    describeSource,
    planBuilds,
    ciBuild,
    ciPublish,
    ciReport,
    ciSync,
    jobFailed,
    withContext,
    folderArtifacts,
    notAppliedRecord,
  } = await import('../runtime/index.ts');
  const event = readPipelineEvent(io.env);
  const loaded = config(values.config, io);
  const log = logger(values['log-level'], io);
  const stateDir = mkdtempSync(join(tmpdir(), 'patchferry-ci-'));
  const cfg = { ...loaded, state: { ...loaded.state, database: join(stateDir, 'state.db') } };
  const artifacts = folderArtifacts(event.artifacts);
  const stop = new AbortController();
  void io.interrupted().then(() => stop.abort());
  const { signal } = stop;
  // Only the schedule is the nightly: it skips what did not move and publishes to nightly/.
  const nightly = event.source === 'schedule';
  try {
    return await withContext(
      cfg,
      log,
      async (ctx) => {
        io.out(
          `ci ${stage}: for ${describeSource(event.source)}${event.branch ? ` (${event.branch})` : ''}${event.platform ? `, target ${event.platform}` : ''}`,
        );
        if (stage === 'sync') {
          const s = await ciSync(ctx, notAppliedRecord(cfg), signal);
          printSync(s, io.out);
          if (jobFailed({ sync: { ...s, failed: [] } })) return 1;
          // A series that did not apply is its sender's to fix, not the pipeline's: its own exit
          // status, which the templates let pass (with a warning), so the builds still run. Once:
          // one an earlier job reported (failedBefore) is listed, not counted again.
          return s.failed.length > 0 ? SERIES_NOT_APPLIED : 0;
        }
        if (stage === 'build') {
          const plan = planBuilds(event, cfg);
          for (const line of plan.skipped) io.out(`  not built: ${line}`);
          const b = await ciBuild(ctx, artifacts, plan, { nightly, signal });
          for (const line of b.unchanged) io.out(`  not built: ${line}: unchanged since the last nightly`);
          printBuild(b, io.out);
          return jobFailed({ build: b }) ? 1 : 0;
        }
        if (stage === 'publish') {
          // Not an error: a nightly whose branches did not move builds nothing. Said, so that
          // artifacts that did not reach this job are not a silent green.
          if (!existsSync(join(event.artifacts, 'builds')))
            io.out(
              `  no builds in ${event.artifacts}: the build jobs built nothing, or their artifacts did not reach this job`,
            );
          const p = await ciPublish(ctx, artifacts, { nightly, signal });
          printPublish(p, io.out);
          return jobFailed({ publish: p }) ? 1 : 0;
        }
        const r = await ciReport(
          ctx,
          artifacts,
          { reason: describeSource(event.source), merges: event.source === 'push', nightly },
          signal,
        );
        printReport(r, io.out);
        return jobFailed({ report: r }) ? 1 : 0;
      },
      io.env,
      // A job run by hand has no pipeline id: the time it started keeps its logs apart all the same.
      { pipelineRun: event.run ?? String(Date.now()) },
    );
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}
