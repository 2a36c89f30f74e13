import type { Deps } from '../../src/app/deps.ts';
import type { Authenticator } from '../../src/ports/authenticator.ts';
import { configSchema } from '../../src/config/schema.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { openStore } from '../../src/store/store.ts';
import { FakeArchive, FakeBuildLogs, FakeBuilder, FakePackager, FakePublisher, FakeTester } from './build.ts';
import { ManualClock } from './clock.ts';
import { FakeForge } from './forge.ts';
import { FakeGit } from './git.ts';
import { FakeNotifier } from './notifier.ts';
import { FakePackageInspector } from './packages.ts';
import { MemorySource } from './source.ts';

/** Every port of a use case as an in-memory fake (the store is SQLite in memory), and the fakes
 * themselves for the test to drive and look at. */
export function fakeDeps(
  options: {
    forge?: boolean;
    /** Top-level configuration keys to set (trust, …), over the defaults below. */
    config?: Record<string, unknown>;
    authenticator?: Authenticator;
  } = {},
) {
  const clock = new ManualClock();
  const source = new MemorySource();
  const git = new FakeGit();
  const forge = options.forge ? new FakeForge() : null;
  const notifier = new FakeNotifier();
  const builder = new FakeBuilder();
  const packager = new FakePackager();
  const publisher = new FakePublisher();
  const buildLogs = new FakeBuildLogs();
  const packages = new FakePackageInspector();
  const tester = new FakeTester();
  const archive = new FakeArchive();
  const config = configSchema.parse({
    state: { database: ':memory:' },
    workDir: '/nonexistent/work',
    sources: [{ type: 'mbox', path: 'list.mbox' }],
    projects: {
      hello: {
        git: '/nonexistent/hello.git',
        branches: ['master'],
        platforms: ['el9'],
        ...(forge ? { forgePath: 'virt/hello' } : {}),
      },
    },
    platforms: { el9: { dist: '.el9', arch: 'x86_64' } },
    ...(forge ? { forge: { type: 'gitlab', url: 'http://127.0.0.1:1', tokenEnv: 'GL_TOKEN' } } : {}),
    publisher: { root: 'repos', baseUrl: 'http://repos.example/' },
    reporter: {
      from: 'patchferry <patchferry@example.org>',
      listAddress: 'list@example.org',
      failureRecipients: ['mia@example.org'],
    },
    work: { maxAttempts: 3, retrySeconds: 30, maxRetrySeconds: 600 },
    ...options.config,
  });
  const deps: Deps = {
    config,
    log: silentLogger(),
    clock,
    store: openStore(':memory:'),
    sources: [source],
    rejections: new Map(),
    authenticator: options.authenticator ?? null,
    applier: git,
    repository: git,
    forge,
    builder,
    packager,
    publisher,
    buildLogs,
    packages,
    tester,
    archive,
    notifiers: [notifier],
    worker: {
      holder: 'test:1',
      policy: { maxAttempts: 3, baseMs: 30_000, maxMs: 600_000, leaseMs: 300_000 },
    },
  };
  return {
    deps,
    clock,
    source,
    git,
    forge,
    notifier,
    builder,
    packager,
    publisher,
    buildLogs,
    packages,
    tester,
    archive,
  };
}
