import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import { readSecret } from '../config/load.ts';
import { ConfigError } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import { mboxSource } from '../ingest/mbox.ts';
import type { MailSource } from '../ingest/source.ts';
import { GitApplier } from '../git/git-applier.ts';
import type { Applier } from '../git/types.ts';
import { RpmbuildBuilder } from '../build/rpmbuild-builder.ts';
import type { Builder } from '../build/types.ts';
import { CreaterepoPublisher } from '../publish/createrepo-publisher.ts';
import type { Publisher } from '../publish/types.ts';
import { outboxNotifier } from '../report/outbox-notifier.ts';
import { smtpNotifier } from '../report/smtp-notifier.ts';
import type { Notifier } from '../report/notifier.ts';
import { openStore, type Store } from '../store/store.ts';

/** Everything a job needs, built from the configuration: the one place adapters are chosen. */
export interface Context {
  readonly config: Config;
  readonly log: Logger;
  readonly store: Store;
  readonly sources: readonly MailSource[];
  readonly applier: Applier;
  readonly builder: Builder;
  readonly publisher: Publisher;
  readonly notifiers: readonly Notifier[];
}

export function createContext(config: Config, log: Logger, env: NodeJS.ProcessEnv = process.env): Context {
  if (config.forge) {
    throw new ConfigError('configuration', [
      `forge.type "${config.forge.type}": merge-request mode is not available in this version; remove "forge" to run in direct mode`,
    ]);
  }
  if (config.builder.type !== 'rpmbuild') {
    throw new ConfigError('configuration', [
      `builder.type "${config.builder.type}" is not available in this version; use "rpmbuild" (the default)`,
    ]);
  }
  const sources = config.sources.map((s, i) => {
    if (s.type === 'mbox') return mboxSource(s.path);
    throw new ConfigError('configuration', [
      `sources[${i}].type "${s.type}" is not available in this version; use "mbox"`,
    ]);
  });
  const chosenNotifiers = notifiers(config, env);
  return {
    config,
    log,
    store: openStore(config.state.database),
    sources,
    applier: new GitApplier({ workDir: join(config.workDir, 'git'), log }),
    builder: new RpmbuildBuilder({ log }),
    publisher: new CreaterepoPublisher({
      root: config.publisher.root,
      baseUrl: config.publisher.baseUrl,
      log,
    }),
    notifiers: chosenNotifiers,
  };
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
