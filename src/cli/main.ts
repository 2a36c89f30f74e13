import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { Config } from '../config/schema.ts';
import { ConfigError, PatchferryError, UsageError, errorMessage } from '../shared/errors.ts';
import { ciCommand } from './ci.ts';
import { serveRepoCommand } from './serve-repo.ts';
import { help, parse, portOption, printableIo, type Io } from './common.ts';
/** The configuration file and the logger (zod, yaml, pino), loaded by the commands that use them. */
const settings = () => import('./settings.ts');
/** The pipeline, loaded when a command needs it: `scan` and `--help` run without the database,
 * the forge clients or the IMAP client in memory. */
const pipeline = () => import('../runtime/index.ts');
import { COMMAND_HELP, MAIN_HELP } from './help.ts';
export type { Io } from './common.ts';
import { printBuild, printJob, printPublish, printReport, printSync } from './print.ts';
import type { JobSummary } from '../app/summaries.ts';
import type { ScannedMail } from '../app/intake/scan.ts';

/** This patchferry's version, as package.json gives it: read when asked, not by every command. */
function version(): string {
  return (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
}

/** Runs one command line; returns the exit status. */
export async function main(argv: readonly string[], given: Io): Promise<number> {
  const io = printableIo(given);
  const [command, ...rest] = argv;
  try {
    if (command === 'help' && rest[0] !== undefined && COMMAND_HELP[rest[0]]) return help(rest[0], io);
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.out(MAIN_HELP);
      return command === undefined ? 2 : 0;
    }
    if (command === '--version' || command === '-V') {
      // Asked for help too: help, whichever came first (help names the version's option).
      if (rest.length === 1 && (rest[0] === '--help' || rest[0] === '-h')) {
        io.out(MAIN_HELP);
        return 0;
      }
      if (rest.length > 0)
        throw new UsageError(`${command} takes nothing after it, not "${rest[0]}"; run "patchferry --help"`);
      io.out(`patchferry ${version()}`);
      return 0;
    }
    switch (command) {
      case 'demo':
        return await demo(rest, io);
      case 'sync':
      case 'build':
      case 'publish':
      case 'report':
        return await stage(command, rest, io);
      case 'import':
        return await importCommand(rest, io);
      case 'watch':
      case 'serve':
        return await watchCommand(command, rest, io);
      case 'config':
        return await configCheck(rest, io);
      case 'ci':
        return await ciCommand(rest, io);
      case 'retry':
        return await retryCommand(rest, io);
      case 'release':
        return await releaseCommand(rest, io);
      case 'scan':
        return await scanCommand(rest, io);
      case 'serve-repo':
        return await serveRepoCommand(rest, io);
      default:
        throw new UsageError(`unknown command "${command}"; run "patchferry --help" for the list`);
    }
  } catch (err) {
    // Another patchferry on the same database is a usage problem: nothing was done. So is a state
    // database or lock file patchferry cannot use, or a path given that holds no mail; the message
    // says which file and what to do.
    if (
      err instanceof ConfigError ||
      err instanceof UsageError ||
      (err instanceof PatchferryError && USAGE_CODES.has(err.code))
    ) {
      io.err(`patchferry: ${err.message}`);
      return 2;
    }
    io.err(
      `patchferry: ${err instanceof PatchferryError ? err.message : ((err instanceof Error ? err.stack : undefined) ?? errorMessage(err))}`,
    );
    return 1;
  }
}

/** Errors that mean nothing was done because of what was given: exit 2, as usage errors. */
const USAGE_CODES = new Set([
  'database_busy',
  'database_unreadable',
  'database_lock',
  'path_missing',
  'path_not_mailbox',
  'public_inbox_missing',
  // A port that cannot be bound (in use): nothing was started.
  'serve_failed',
]);

async function stage(
  command: 'sync' | 'build' | 'publish' | 'report',
  args: readonly string[],
  io: Io,
): Promise<number> {
  const { values, positionals } = parse(command, args, {
    project: { type: 'string' },
    branch: { type: 'string' },
    platform: { type: 'string' },
    all: { type: 'boolean' },
    since: { type: 'string' },
  });
  if (values.help) return help(command, io);
  const { config, logger } = await settings();
  if (positionals.length > 0) throw new UsageError(`${command}: unexpected argument "${positionals[0]}"`);
  if (command !== 'sync' && values.since) throw new UsageError(`${command}: --since belongs to "sync"`);
  const since = values.since === undefined ? undefined : day(values.since);
  if (command !== 'build' && (values.project || values.branch || values.platform || values.all)) {
    throw new UsageError(`${command}: --project, --branch, --platform and --all belong to "build"`);
  }
  const cfg = config(values.config, io, command === 'sync' ? {} : { sources: false });
  if (command === 'build') checkBuildFilter(cfg, values);
  const log = logger(values['log-level'], io);
  const { build, jobFailed, publish, report, sync, withContext } = await pipeline();
  // Ctrl-C or SIGTERM: the unit running is stopped with the tools it started, and runs again next time.
  const stop = new AbortController();
  void io.interrupted().then(() => stop.abort());
  const { signal } = stop;
  let said = false;
  const status = await withContext(
    cfg,
    log,
    async (ctx) => {
      if (command === 'sync') {
        const s = await sync(ctx, since ? { since } : {}, signal);
        if (s.interrupted) {
          said = true;
          io.err(
            `patchferry: sync interrupted while reading: ${s.newMails} new mail(s) recorded, not sorted yet; the next sync sorts them and reads on from where this one stopped`,
          );
          return 1;
        }
        printSync(s, io.out);
        return jobFailed({ sync: s }) ? 1 : 0;
      }
      if (command === 'build') {
        const filter = {
          ...(values.project ? { project: values.project } : {}),
          ...(values.branch ? { branch: values.branch } : {}),
          ...(values.platform ? { platform: values.platform } : {}),
          all: values.all ?? false,
        };
        const b = await build(ctx, filter, signal);
        printBuild(b, io.out);
        return jobFailed({ build: b }) ? 1 : 0;
      }
      if (command === 'publish') {
        const p = await publish(ctx, signal);
        printPublish(p, io.out);
        return jobFailed({ publish: p }) ? 1 : 0;
      }
      const r = await report(ctx, signal);
      printReport(r, io.out);
      return jobFailed({ report: r }) ? 1 : 0;
    },
    io.env,
  );
  if (!signal.aborted || said) return status;
  io.err(`patchferry: ${command} interrupted; what it had not finished runs again next time`);
  return 1;
}

/** `build --project/--branch/--platform` name what the configuration has: a typo builds nothing
 * and says so, instead of succeeding quietly. */
function checkBuildFilter(
  cfg: Config,
  f: { project?: string | undefined; branch?: string | undefined; platform?: string | undefined },
): void {
  const projects = f.project ? [f.project] : Object.keys(cfg.projects);
  const unknown = (what: string, name: string, known: readonly string[]) =>
    new UsageError(`build: no ${what} "${name}" in the configuration (known: ${known.join(', ')})`);
  if (f.project && !cfg.projects[f.project]) throw unknown('project', f.project, Object.keys(cfg.projects));
  const branches = projects.flatMap((p) => cfg.projects[p]?.branches ?? []);
  if (f.branch && !branches.includes(f.branch)) throw unknown('branch', f.branch, [...new Set(branches)]);
  const platforms = projects.flatMap((p) => cfg.projects[p]?.platforms ?? []);
  if (f.platform && !platforms.includes(f.platform))
    throw unknown('platform', f.platform, [...new Set(platforms)]);
}

/** A calendar day given as YYYY-MM-DD, as IMAP's SEARCH SINCE takes it. */
function day(text: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
  if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text) {
    throw new UsageError(`sync: --since "${text}" is not a date; give it as YYYY-MM-DD`);
  }
  return date;
}

async function importCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse('import', args, {});
  if (values.help) return help('import', io);
  const { config, logger } = await settings();
  if (positionals.length === 0)
    throw new UsageError('import: give at least one mbox, Maildir, message file or public-inbox archive');
  const missing = positionals.find((p) => !existsSync(p));
  if (missing) throw new UsageError(`import: ${missing}: no such file or directory`);
  const cfg = config(values.config, io, { sources: false });
  const { importFiles, jobFailed, withContext } = await pipeline();
  // Ctrl-C or SIGTERM: reading stops once the batch being recorded is committed, with the
  // position after it; a series being applied is stopped and runs again next time.
  const stop = new AbortController();
  void io.interrupted().then(() => stop.abort());
  return withContext(
    cfg,
    logger(values['log-level'], io),
    async (ctx) => {
      const s = await importFiles(ctx, positionals, stop.signal);
      if (s.interrupted) {
        io.err(
          `patchferry: import interrupted while reading: ${s.newMails} new mail(s) recorded, not sorted yet; "patchferry sync" sorts them, and the same import again reads on from where this one stopped`,
        );
        return 1;
      }
      printSync(s, io.out);
      if (stop.signal.aborted) {
        io.err(
          'patchferry: import interrupted; the mails are recorded, and what it had not finished runs again with the next sync',
        );
        return 1;
      }
      return jobFailed({ sync: s }) ? 1 : 0;
    },
    io.env,
  );
}

async function watchCommand(command: 'watch' | 'serve', args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(command, args, {
    poll: { type: 'string' },
    ...(command === 'serve' ? { port: { type: 'string' }, host: { type: 'string' } } : {}),
  });
  if (values.help) return help(command, io);
  const { config, logger } = await settings();
  if (positionals.length > 0) throw new UsageError(`${command}: unexpected argument "${positionals[0]}"`);
  const poll = Number(values.poll ?? '60');
  if (!(poll > 0) || poll > 86_400)
    throw new UsageError(
      `${command}: --poll ${values.poll} is not a number of seconds above 0 and at most 86400 (a day)`,
    );
  const port = portOption(command, typeof values.port === 'string' ? values.port : undefined, 3000);
  const file = values.config;
  const cfg = config(file, io);
  const stop = new AbortController();
  void io.interrupted().then(() => stop.abort());
  const log = logger(values['log-level'] ?? (io.env.PATCHFERRY_LOG_LEVEL ? undefined : 'info'), io);
  let failed = false;
  const onRun = (run: { job: JobSummary } | { error: unknown }) => {
    if ('error' in run) {
      failed = true;
      io.err(`patchferry: ${errorMessage(run.error)}`);
      return;
    }
    printJob(run.job, io.out);
  };
  if (command === 'serve') {
    const { runDaemon } = await import('../server/daemon.ts');
    await runDaemon({
      config: cfg,
      reload: () => config(file, io),
      env: io.env,
      log,
      host: typeof values.host === 'string' ? values.host : '127.0.0.1',
      port,
      pollMs: poll * 1000,
      signal: stop.signal,
      onHangup: (listener) => io.hangups?.(listener),
      onListening: (server, webhooks) => {
        io.out(`Console, /healthz, /readyz and /metrics at ${server.url}/`);
        const forge = cfg.forge?.type === 'gitlab' ? 'GitLab' : 'GitHub';
        for (const path of webhooks) io.out(`Receiving ${forge} webhooks at ${server.url}${path}`);
      },
      onRun,
    });
    return failed ? 1 : 0;
  }
  const [{ withContext }, { watch }] = await Promise.all([pipeline(), import('../server/watch.ts')]);
  return withContext(
    cfg,
    log,
    async (ctx) => {
      await watch(ctx, {
        pollMs: poll * 1000,
        signal: stop.signal,
        graceMs: cfg.work.shutdownSeconds * 1000,
        onRun,
      });
      return failed ? 1 : 0;
    },
    io.env,
  );
}

async function retryCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse('retry', args, {});
  if (values.help) return help('retry', io);
  const { config } = await settings();
  const cfg = config(values.config, io, { sources: false });
  const { retryDead } = await import('../runtime/retry.ts');
  const keys = retryDead(cfg, positionals);
  if (keys.length === 0) {
    io.out(
      positionals.length === 0
        ? 'retry: no unit was given up on (notices of units given up on: retry dead:)'
        : `retry: no unit given up on matches ${positionals.join(' or ')} (a whole key; the start of keys ends in ':' or '*')`,
    );
    return positionals.length === 0 ? 0 : 1;
  }
  io.out(
    `retry: ${keys.length} unit(s) will run again at the next run of their stage (watch: within a minute)`,
  );
  for (const key of keys) io.out(`  ${key}`);
  return 0;
}

async function releaseCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse('release', args, { by: { type: 'string' } });
  if (values.help) return help('release', io);
  const { config, logger } = await settings();
  const [messageId, ...extra] = positionals;
  if (messageId === undefined || messageId.replace(/[<>\s]/g, '') === '' || extra.length > 0)
    throw new UsageError('release: give one Message-ID, of a held series or one of its mails');
  if (values.by !== undefined && values.by.trim() === '')
    throw new UsageError('release: --by wants the name of who releases the series (default: you)');
  const cfg = config(values.config, io, { paths: false });
  const { releaseHeld } = await import('../runtime/release.ts');
  const by = values.by ?? io.env.SUDO_USER ?? userInfo().username;
  const r = releaseHeld(cfg, { messageId, by, now: new Date() }, logger(values['log-level'], io));
  io.out(
    r.recorded
      ? `release: <${r.release.messageId}> released by ${r.release.by} at ${r.release.at}${r.heldBecause ? ` (held because ${r.heldBecause})` : ''}; the next sync applies it`
      : `release: <${r.release.messageId}> was released already, by ${r.release.by} at ${r.release.at}`,
  );
  return 0;
}

async function configCheck(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse('config', args, {});
  if (values.help) return help('config', io);
  const { config } = await settings();
  const [sub, file, ...extra] = positionals;
  if (sub !== 'check' || extra.length > 0) throw new UsageError('usage: patchferry config check FILE');
  const cfg = config(file ?? values.config, io);
  // A branch the repository lacks fails every series for it, each unit alone: said here once,
  // for the repositories on this machine (a remote one is not contacted).
  const { missingBranches } = await import('../runtime/branch-check.ts');
  const missing = await missingBranches(cfg);
  if (missing.length > 0) throw new ConfigError(file ?? values.config ?? 'patchferry.yml', missing);
  io.out(
    `${file ?? values.config ?? 'patchferry.yml'}: valid (${Object.keys(cfg.projects).length} project(s), ${Object.keys(cfg.platforms).length} platform(s))`,
  );
  return 0;
}

async function demo(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse('demo', args, {
    dir: { type: 'string' },
    port: { type: 'string' },
    'no-serve': { type: 'boolean' },
  });
  if (values.help) return help('demo', io);
  const { logger } = await settings();
  if (positionals.length > 0) throw new UsageError(`demo: unexpected argument "${positionals[0]}"`);
  const port = portOption('demo', values.port, 8080);
  const dir = resolve(values.dir ?? 'demo-world');
  const { runDemo } = await import('../demo/demo.ts');
  const serve = values['no-serve'] !== true;
  // The demo's own patch that does not apply is logged as a warning and shown in the summary
  // below: the terminal shows errors only, unless a level is asked for.
  const level = values['log-level'] ?? (io.env.PATCHFERRY_LOG_LEVEL ? undefined : 'error');
  const result = await runDemo({ dir, port, serve, log: logger(level, io), progress: io.out });
  try {
    printSync(result.job.sync, io.out);
    printBuild(result.job.build, io.out);
    printPublish(result.job.publish, io.out);
    printReport(result.job.report, io.out);
    io.out('');
    io.out(
      `Reports were also written to ${resolve(dir, 'outbox.mbox')} (read it with "mutt -f" or any mail client).`,
    );
    io.out(
      result.server
        ? `Repositories are served from ${resolve(dir, 'repos')} at ${result.server.url}`
        : `Repositories are in ${resolve(dir, 'repos')} (not served: --no-serve; the URLs above name http://127.0.0.1:${port || 8080}/, where "patchferry demo --port ${port || 8080}" would serve them)`,
    );
    io.out(`Install the demo package from the ${result.server ? 'served ' : ''}repository with:`);
    io.out('');
    io.out(`  ${result.dnfCommand}`);
    io.out('');
    // The demo's own patch that does not apply is expected; anything else failing is not.
    const unexpected =
      result.job.build.builds.some((b) => !b.ok) ||
      result.job.publish.failed.length > 0 ||
      result.job.report.failed.length > 0;
    if (serve) await demoDaemon(result.configPath, port === 0 ? 0 : 3000, io);
    return unexpected ? 1 : 0;
  } finally {
    await result.server?.close();
  }
}

/** The demo world's daemon, its console on `port` (0: a free one), until Ctrl-C: the console shows
 * what the demo did, and its Run pipeline button builds again. */
async function demoDaemon(configPath: string, port: number, io: Io): Promise<void> {
  const stop = new AbortController();
  void io.interrupted().then(() => stop.abort());
  const { runDaemon } = await import('../server/daemon.ts');
  const { loadConfig, logger } = await settings();
  let listening = false;
  await runDaemon({
    config: loadConfig(configPath),
    reload: () => loadConfig(configPath),
    env: io.env,
    log: logger(undefined, io),
    host: '127.0.0.1',
    port,
    pollMs: 60_000,
    signal: stop.signal,
    onHangup: (listener) => io.hangups?.(listener),
    onListening: (server) => {
      if (listening) return;
      listening = true;
      io.out(`The console is at ${server.url}/ (its Run pipeline button builds again; /metrics beside it).`);
      io.out('Serving; press Ctrl-C to stop.');
    },
    onRun: (run) => {
      if ('error' in run) io.err(`patchferry: ${errorMessage(run.error)}`);
      else printJob(run.job, io.out);
    },
  });
}

async function scanCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse('scan', args, { json: { type: 'boolean' } });
  if (values.help) return help('scan', io);
  if (positionals.length === 0) throw new UsageError('scan: give at least one mbox, Maildir or message file');
  const missing = positionals.find((p) => !existsSync(p));
  if (missing) throw new UsageError(`scan: ${missing}: no such file or directory`);
  // scan needs neither the database nor any adapter: load only its own modules, so a big archive
  // is read with none of the forge and IMAP clients in memory.
  const { scanFilesStreaming } = await import('../runtime/scan.ts');
  const configured = values.config ? await scanConfiguration(values.config, io) : null;
  const table = configured?.table ?? null;
  const rules = configured?.rules;
  // A file that cannot be read on (a damaged or cut-off gzip) ends in an `unreadable` entry: said
  // on stderr with the mails read before it, the other files scanned, and the exit status 1.
  let unreadable = 0;
  // The readers' warnings (trailing garbage after gzip data: skipped, the mails before it read),
  // said on stderr as the damage is, with what the reader logs (file, byte offset).
  const warnings = {
    warn: (fields: Record<string, unknown>, message: string) =>
      io.err(
        `patchferry: scan: warning: ${message}: ${Object.entries(fields)
          .map(([key, value]) => `${key} ${String(value)}`)
          .join(', ')}`,
      ),
  };
  const scanFiles = (paths: readonly string[], t: typeof table, emit: (m: ScannedMail) => void) =>
    scanFilesStreaming(
      paths,
      t,
      (m) => {
        if (m.unreadable) {
          unreadable++;
          const named = m.error?.includes(resolve(m.file)) || m.error?.includes(m.file);
          io.err(
            `patchferry: scan: ${named ? '' : `${m.file}: `}${m.error}; the mails read before are described, the rest of the file is not`,
          );
        }
        emit(m);
      },
      rules,
      warnings,
    );
  if (values.json) {
    // One mail or series per line, each written as soon as it is known: the document is never
    // held whole, so its size does not weigh on a big archive's scan.
    const list = jsonList(io);
    io.out('{"mails": [');
    const series = await scanFiles(positionals, table, (mail) => list.add(mail));
    list.end();
    io.out('], "series": [');
    for (const s of series) list.add(s);
    list.end();
    io.out(']}');
    return unreadable > 0 ? 1 : 0;
  }
  const kinds = new Map<string, number>();
  let mails = 0;
  const series = await scanFiles(positionals, table, (m) => {
    if (m.unreadable) return;
    mails++;
    kinds.set(m.kind ?? 'quarantined', (kinds.get(m.kind ?? 'quarantined') ?? 0) + 1);
  });
  io.out(`${mails} mail(s)${mails > 0 ? `: ${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')}` : ''}`);
  io.out(`${series.length} series, ${series.filter((s) => s.complete).length} complete`);
  for (const s of series) {
    const where = s.repo
      ? `${s.repo}${s.branch ? `/${s.branch}` : ''}${s.routedBy ? ` (by ${s.routedBy})` : ''}`
      : s.routeError
        ? `NOT ROUTED: ${s.routeError}`
        : '(no repo)';
    io.out(
      `  v${s.version} ${s.patches.length}/${s.total}${s.complete ? '' : ' INCOMPLETE'} ${where}${s.prefixes.length > 0 ? ` [${s.prefixes.join(' ')}]` : ''} <${s.id}>${s.held ? ` HELD: ${s.held}` : ''}`,
    );
  }
  return unreadable > 0 ? 1 : 0;
}

/** What `scan --config` adds: the routes the configuration gives, the sender policy by which sync
 * would hold a series (trust.senders), limits.mailBytes, and the addresses series.sameSender
 * links. Loaded only with --config. */
async function scanConfiguration(file: string, io: Io) {
  const [{ config }, { routingTable }, { senderPolicy }, { senderLinks }] = await Promise.all([
    settings(),
    import('../app/series/routing.ts'),
    import('../app/intake/trust.ts'),
    import('../series/sender.ts'),
  ]);
  const cfg = config(file, io, { paths: false });
  return {
    table: routingTable(cfg),
    rules: {
      policyOf: (project: string) => senderPolicy(cfg, project),
      limits: cfg.limits,
      links: senderLinks(cfg.series.sameSender),
    },
  };
}

/** The items of a JSON array, one per line, each but the last followed by a comma; written in
 * chunks of many lines, as one write per line would cost more than reading the mail. */
function jsonList(io: Io): { add: (item: unknown) => void; end: () => void } {
  let held: string | null = null;
  let chunk: string[] = [];
  let size = 0;
  const put = (line: string) => {
    chunk.push(line);
    size += line.length;
    if (size > 1 << 16) flush();
  };
  const flush = () => {
    if (chunk.length > 0) io.out(chunk.join('\n'));
    chunk = [];
    size = 0;
  };
  return {
    add(item) {
      if (held !== null) put(`${held},`);
      held = ` ${JSON.stringify(item)}`;
    },
    end() {
      if (held !== null) put(held);
      held = null;
      flush();
    },
  };
}
