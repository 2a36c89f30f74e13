import type { Config } from '../config/schema.ts';
import type { Rejections } from '../config/trust.ts';
import type { Authenticator } from '../ports/authenticator.ts';
import type { BuildLogs } from '../ports/build-logs.ts';
import type { Builder, SourcePackager } from '../ports/builder.ts';
import type { Clock } from '../ports/clock.ts';
import type { Forge } from '../ports/forge.ts';
import type { MailSource } from '../ports/mail-source.ts';
import type { Notifier } from '../ports/notifier.ts';
import type { PackageInspector } from '../ports/package-inspector.ts';
import type { PatchArchive } from '../ports/patch-archive.ts';
import type { Publisher } from '../ports/publisher.ts';
import type { Applier, Repository } from '../ports/repository.ts';
import type { Store } from '../ports/store.ts';
import type { Tester } from '../ports/tester.ts';
import type { Logger } from '../shared/log.ts';
import type { RetryPolicy } from '../work/worker.ts';

/** Every port a use case may take; each use case declares the few it uses (`Pick<Deps, …>`), and
 * the composition root (runtime/) builds them from the configuration. */
export interface Deps {
  readonly config: Config;
  readonly log: Logger;
  readonly clock: Clock;
  readonly store: Store;
  readonly sources: readonly MailSource[];
  /** What is done with mail a source brings that names nothing known (`sources[].rejections`), by
   * source name; a source not listed (files given to `import`) replies. */
  readonly rejections: ReadonlyMap<string, Rejections>;
  /** Verifies DKIM, ARC and developer signatures of mail as it is first read; null when no project
   * asks for authenticity (trust.authenticity ignore everywhere). */
  readonly authenticator: Authenticator | null;
  readonly applier: Applier;
  readonly repository: Repository;
  /** Set in merge-request mode: series are proposed there instead of pushed onto their branch. */
  readonly forge: Forge | null;
  readonly builder: Builder;
  /** Makes each commit's SRPM once, for every target to build from. */
  readonly packager: SourcePackager;
  readonly publisher: Publisher;
  /** Serves local builds' full logs beside the repositories, so reports link them as Koji's. */
  readonly buildLogs: BuildLogs;
  /** The archive of the day's patches, beside the repositories. */
  readonly archive: PatchArchive;
  /** Installs a published build into a throwaway root and runs the project's checks there. */
  readonly tester: Tester;
  /** Reads names and Epochs from RPM headers: what a build would publish. */
  readonly packages: PackageInspector;
  /** The destinations of mail effects: the list's SMTP server, the outbox file. */
  readonly notifiers: readonly Notifier[];
  /** How this process runs units of work. */
  readonly worker: { readonly holder: string; readonly policy: RetryPolicy };
}
