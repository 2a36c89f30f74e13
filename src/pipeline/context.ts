import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config, SourceConfig } from '../config/schema.ts';
import { readSecret } from '../config/load.ts';
import { ConfigError, errorMessage } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import { imapSource } from '../ingest/imap.ts';
import { maildirSource } from '../ingest/maildir.ts';
import { mboxSource } from '../ingest/mbox.ts';
import { publicInboxSource } from '../ingest/public-inbox.ts';
import type { MailSource } from '../ports/mail-source.ts';
import { GitApplier } from '../git/git-applier.ts';
import type { Applier, Repository } from '../ports/repository.ts';
import { githubForge } from '../forge/github/index.ts';
import { gitlabForge } from '../forge/gitlab/index.ts';
import type { Forge } from '../ports/forge.ts';
import { RpmbuildBuilder } from '../build/rpmbuild-builder.ts';
import type { Builder } from '../ports/builder.ts';
import { CreaterepoPublisher } from '../publish/createrepo-publisher.ts';
import type { Publisher } from '../ports/publisher.ts';
import { outboxNotifier } from '../report/outbox-notifier.ts';
import { smtpNotifier } from '../report/smtp-notifier.ts';
import type { Notifier } from '../ports/notifier.ts';
import { openStore, type Store } from '../store/store.ts';

/** Everything a job needs, built from the configuration: the one place adapters are chosen. */
export interface Context {
  readonly config: Config;
  readonly log: Logger;
  readonly store: Store;
  readonly sources: readonly MailSource[];
  readonly applier: Applier;
  readonly repository: Repository;
  /** Set in merge-request mode: series are proposed there instead of pushed onto their branch. */
  readonly forge: Forge | null;
  readonly builder: Builder;
  readonly publisher: Publisher;
  readonly notifiers: readonly Notifier[];
}

export function createContext(config: Config, log: Logger, env: NodeJS.ProcessEnv = process.env): Context {
  if (config.builder.type !== 'rpmbuild') {
    throw new ConfigError('configuration', [
      `builder.type "${config.builder.type}" is not available in this version; use "rpmbuild" (the default)`,
    ]);
  }
  const sources = config.sources.flatMap((s, i) => mailSources(s, `sources[${i}]`, log, env));
  const chosenNotifiers = notifiers(config, env);
  const git = new GitApplier({ workDir: join(config.workDir, 'git'), log });
  return {
    config,
    log,
    store: openStore(config.state.database),
    sources,
    applier: git,
    repository: git,
    forge: config.forge ? forgeFor(config.forge, log, env) : null,
    builder: new RpmbuildBuilder({ log }),
    publisher: new CreaterepoPublisher({
      root: config.publisher.root,
      baseUrl: config.publisher.baseUrl,
      log,
    }),
    notifiers: chosenNotifiers,
  };
}

function mailSources(s: SourceConfig, key: string, log: Logger, env: NodeJS.ProcessEnv): MailSource[] {
  switch (s.type) {
    case 'mbox':
      return [mboxSource(s.path)];
    case 'maildir':
      return [maildirSource(s.path)];
    case 'public-inbox':
      return [publicInboxSource(s.path, s.after ?? null)];
    case 'imap': {
      const auth = s.passwordEnv
        ? { password: readSecret(s.passwordEnv, `${key}.passwordEnv`, env) }
        : { accessToken: readSecret(s.accessTokenEnv ?? '', `${key}.accessTokenEnv`, env) };
      const ca = s.caFile ? readFile(s.caFile, `${key}.caFile`) : undefined;
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

function forgeFor(forge: NonNullable<Config['forge']>, log: Logger, env: NodeJS.ProcessEnv): Forge {
  const token = readSecret(forge.tokenEnv, 'forge.tokenEnv', env);
  return forge.type === 'gitlab'
    ? gitlabForge({ url: forge.url, token })
    : githubForge({ url: forge.url, token, log, throttle: !isLoopback(forge.url) });
}

/** A forge on this machine is a test server or a local instance: octokit's 1-3 s spacing of writes
 * is a courtesy to github.com that only slows it down. */
function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === '[::1]' || host === 'localhost';
}

function readFile(path: string, key: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(key, [`cannot read ${path}: ${errorMessage(err)}`]);
  }
}

function notifiers(config: Config, env: NodeJS.ProcessEnv): Notifier[] {
  const r = config.reporter;
  const out: Notifier[] = [];
  if (r.outbox) out.push(outboxNotifier({ path: r.outbox, from: r.from }));
  if (r.smtp) {
    const password = r.smtp.passwordEnv
      ? readSecret(r.smtp.passwordEnv, 'reporter.smtp.passwordEnv', env)
      : undefined;
    out.push(smtpNotifier({ ...r.smtp, ...(password ? { password } : {}), from: r.from }));
  }
  return out;
}
