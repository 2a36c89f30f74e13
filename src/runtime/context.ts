import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Config, SourceConfig } from '../config/schema.ts';
import { readSecret } from '../config/load.ts';
import { isLoopbackHost } from '../config/transport.ts';
import { ConfigError, errorMessage } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import { maildirSource } from '../ingest/maildir.ts';
import { mboxSource } from '../ingest/mbox.ts';
import { publicInboxSource } from '../ingest/public-inbox.ts';
import type { MailSource } from '../ports/mail-source.ts';
import { GitApplier } from '../git/applier.ts';
import { GitMirror } from '../git/mirror.ts';
import type { Forge } from '../ports/forge.ts';
import { RpmbuildBuilder } from '../build/rpmbuild-builder.ts';
import { InstallrootTester } from '../build/installroot-tester.ts';
import { createSandbox } from '../build/sandbox.ts';
import { SrpmPackager } from '../build/srpm-packager.ts';
import { RpmPackageInspector } from '../build/package-inspector.ts';
import { PublishedBuildLogs } from '../publish/build-logs.ts';
import { FilePatchArchive } from '../publish/patch-archive.ts';
import { CreaterepoPublisher } from '../publish/createrepo-publisher.ts';
import { RsyncTarget } from '../publish/rsync-target.ts';
import { Signer } from '../publish/signer.ts';
import { outboxNotifier } from '../notify/outbox-notifier.ts';
import type { Notifier } from '../ports/notifier.ts';
import { openStore } from '../store/store.ts';
import { databaseError } from '../store/database.ts';
import { systemClock } from '../ports/clock.ts';
import type { Deps } from '../app/deps.ts';

/** Every port a job needs, built from the configuration: the one place adapters are chosen. */
export type Context = Deps;

/** What a process running inside a pipeline job adds to its configuration. */
export interface ContextOptions {
  /** The pipeline run (digits, e.g. GitLab's CI_PIPELINE_ID) whose fresh database numbers builds
   * from 1: what is published by build id is named with it too (PublishedBuildLogsOptions.run). */
  readonly pipelineRun?: string;
}

/**
 * The ports of one process, from the configuration and the environment (secrets). Opens the state
 * database, whose lock this process then holds (a second patchferry on it fails with
 * `database_busy`) until `ctx.store.close()`. The adapters only some configurations use (a forge,
 * IMAP, SMTP, Koji, mail verification) are loaded when configured: each client library is tens of
 * megabytes of a process's memory.
 */
export async function createContext(
  config: Config,
  log: Logger,
  env: NodeJS.ProcessEnv = process.env,
  options: ContextOptions = {},
): Promise<Context> {
  const builderConfig = config.builder;
  // rpmbuild and rpmspec, in the packager and the local builder alike, run the spec's code: sandboxed.
  const sandbox = createSandbox({ kind: builderConfig.sandbox, limits: builderConfig.limits });
  const builder =
    builderConfig.type === 'koji'
      ? (await import('./koji.ts')).kojiBuilderFor(config, builderConfig, log, env)
      : new RpmbuildBuilder({
          log,
          timeoutMs: builderConfig.timeoutMinutes * 60_000,
          ...(builderConfig.concurrency ? { concurrency: builderConfig.concurrency } : {}),
          sandbox,
        });
  const bySource = await Promise.all(
    config.sources.map(async (s, i) => ({ s, built: await mailSources(s, `sources[${i}]`, log, env) })),
  );
  const sources = bySource.flatMap((b) => b.built);
  const rejections = new Map(bySource.flatMap((b) => b.built.map((m) => [m.name, b.s.rejections] as const)));
  const authenticator = asksAuthenticity(config) ? await verifierFor(config, log) : null;
  const chosenNotifiers = await notifiers(config, env);
  const repository = new GitMirror({ workDir: join(config.workDir, 'git') });
  const forge = config.forge ? await forgeFor(config.forge, log, env) : null;
  const target = config.publisher.target;
  const remote =
    target.kind === 'rsync' ? new RsyncTarget({ ...target, root: config.publisher.root, log }) : null;
  // Last: every configuration error above is raised before the database is opened and locked.
  const store = openStore(config.state.database);
  // This process holds the database's lock: a unit still running was left by one that died.
  const recovered = store.work.recover();
  if (recovered > 0) log.warn({ units: recovered }, 'units left running by a stopped patchferry run again');
  return {
    config,
    log,
    clock: systemClock,
    store,
    sources,
    rejections,
    authenticator,
    applier: new GitApplier({ mirror: repository, log }),
    repository,
    forge,
    builder,
    packager: new SrpmPackager({ repository, sandbox, dir: join(config.workDir, 'srpms'), log }),
    publisher: new CreaterepoPublisher({
      root: config.publisher.root,
      baseUrl: config.publisher.baseUrl,
      keep: config.publisher.keep,
      ...(config.publisher.signing ? { signer: signerFor(config.publisher.signing, env) } : {}),
      ...(remote ? { mirror: remote } : {}),
      log,
    }),
    buildLogs: new PublishedBuildLogs({
      root: config.publisher.root,
      baseUrl: config.publisher.baseUrl,
      keep: config.publisher.keep,
      ...(remote ? { mirror: remote } : {}),
      ...(options.pipelineRun === undefined ? {} : { run: options.pipelineRun }),
      log,
    }),
    packages: new RpmPackageInspector(),
    tester: new InstallrootTester({ limits: builderConfig.limits, log }),
    archive: new FilePatchArchive({
      root: config.publisher.root,
      baseUrl: config.publisher.baseUrl,
      ...(remote ? { mirror: remote } : {}),
      log,
    }),
    notifiers: chosenNotifiers,
    worker: {
      holder: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
      policy: {
        maxAttempts: config.work.maxAttempts,
        maxAttemptsOf: { mail: config.work.deliveryAttempts, forge: config.work.deliveryAttempts },
        baseMs: config.work.retrySeconds * 1000,
        maxMs: config.work.maxRetrySeconds * 1000,
        leaseMs: config.work.leaseSeconds * 1000,
      },
    },
  };
}

/** Whether any project asks what a mail proves about its sender: only then is mail verified (DNS). */
function asksAuthenticity(config: Config): boolean {
  return (
    config.trust.authenticity !== 'ignore' ||
    Object.values(config.projects).some((p) => (p.trust?.authenticity ?? 'ignore') !== 'ignore')
  );
}

/** Runs `work` with a context that is closed afterwards, whatever happens. */
export async function withContext<T>(
  config: Config,
  log: Logger,
  work: (ctx: Context) => Promise<T>,
  env: NodeJS.ProcessEnv = process.env,
  options: ContextOptions = {},
): Promise<T> {
  let ctx: Context;
  try {
    ctx = await createContext(config, log, env, options);
  } catch (err) {
    throw databaseError(config.state.database, err);
  }
  try {
    return await work(ctx);
  } catch (err) {
    // A database damaged after it was opened: the same clear answer as one damaged before.
    throw databaseError(config.state.database, err);
  } finally {
    await Promise.all(ctx.sources.map((s) => s.close()));
    ctx.store.close();
  }
}

async function mailSources(
  s: SourceConfig,
  key: string,
  log: Logger,
  env: NodeJS.ProcessEnv,
): Promise<MailSource[]> {
  switch (s.type) {
    case 'mbox':
      return [mboxSource(s.path, log)];
    case 'maildir':
      return [maildirSource(s.path, log)];
    case 'public-inbox':
      return [publicInboxSource(s.path, s.after ?? null)];
    case 'imap': {
      const auth = s.passwordEnv
        ? { password: readSecret(s.passwordEnv, `${key}.passwordEnv`, env) }
        : { accessToken: readSecret(s.accessTokenEnv ?? '', `${key}.accessTokenEnv`, env) };
      const ca = s.caFile ? readFile(s.caFile, `${key}.caFile`) : undefined;
      const { imapSource } = await import('../ingest/imap.ts');
      return s.mailboxes.map((mailbox) =>
        imapSource({
          host: s.host,
          port: s.port ?? (s.security === 'tls' ? 993 : 143),
          security: s.security,
          user: s.user,
          auth,
          mailbox,
          ...(ca ? { ca } : {}),
          ...(s.moveTo ? { moveTo: s.moveTo } : {}),
          pollMs: s.pollSeconds * 1000,
          reconnect: {
            attempts: s.reconnect.attempts,
            baseDelayMs: 500,
            maxDelayMs: s.reconnect.maxDelaySeconds * 1000,
          },
          log,
        }),
      );
    }
  }
}

async function forgeFor(
  forge: NonNullable<Config['forge']>,
  log: Logger,
  env: NodeJS.ProcessEnv,
): Promise<Forge> {
  const token = readSecret(forge.tokenEnv, 'forge.tokenEnv', env);
  if (forge.type === 'gitlab') {
    const { gitlabForge } = await import('../forge/gitlab/index.ts');
    return gitlabForge({ url: forge.url, token });
  }
  const { githubForge } = await import('../forge/github/index.ts');
  return githubForge({ url: forge.url, token, log, throttle: !isLoopback(forge.url) });
}

async function verifierFor(config: Config, log: Logger): Promise<NonNullable<Context['authenticator']>> {
  const { mailVerifier, systemResolver } = await import('../verify/index.ts');
  return mailVerifier({ resolver: systemResolver(), keyring: config.trust.keyring ?? null, log });
}

/** A forge on this machine is a test server or a local instance: octokit's 1-3 s spacing of writes
 * is a courtesy to github.com that only slows it down. */
function isLoopback(url: string): boolean {
  return isLoopbackHost(new URL(url).hostname);
}

function readFile(path: string, key: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(key, [`cannot read ${path}: ${errorMessage(err)}`]);
  }
}

async function notifiers(config: Config, env: NodeJS.ProcessEnv): Promise<Notifier[]> {
  const r = config.reporter;
  const out: Notifier[] = [];
  if (r.outbox) out.push(outboxNotifier({ path: r.outbox, from: r.from }));
  if (r.smtp) {
    const password = r.smtp.passwordEnv
      ? readSecret(r.smtp.passwordEnv, 'reporter.smtp.passwordEnv', env)
      : undefined;
    const { smtpNotifier } = await import('../notify/smtp-notifier.ts');
    out.push(smtpNotifier({ ...r.smtp, ...(password ? { password } : {}), from: r.from }));
  }
  return out;
}

function signerFor(signing: NonNullable<Config['publisher']['signing']>, env: NodeJS.ProcessEnv): Signer {
  return new Signer({
    gnupgHome: signing.gnupgHome,
    fingerprint: signing.fingerprint,
    passphrase: signing.passphraseEnv
      ? readSecret(signing.passphraseEnv, 'publisher.signing.passphraseEnv', env)
      : null,
  });
}
