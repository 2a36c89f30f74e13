import type {
  BuildFailure,
  BuildProgress,
  BuildRequest,
  Builder,
  SourcePackage,
  SourcePackager,
  SourceRequest,
} from '../../src/ports/builder.ts';
import type { BuildLogs, BuildLogsRequest, PublishedLogs } from '../../src/ports/build-logs.ts';
import type { ArchivedFile, ArchivedSeries, PatchArchive } from '../../src/ports/patch-archive.ts';
import type { Publication, PublishRequest, Publisher } from '../../src/ports/publisher.ts';
import { UNKNOWN_COMMIT } from '../../src/ports/repository.ts';
import { PatchferryError } from '../../src/shared/errors.ts';
import type { SmokeRequest, SmokeResult, Tester } from '../../src/ports/tester.ts';

/** A builder that "builds" one RPM per arch of the target, named by its commit and target; it
 * finishes in start, as the local builder does. */
export class FakeBuilder implements Builder {
  readonly built: BuildRequest[] = [];
  /** While set, every build fails as a package whose %build breaks would. */
  failing = false;
  /** While set, every build fails as a mirror that is down would (infrastructure). */
  infrastructureDown = false;
  /** While set, every build waits for it: a build that takes hours. */
  gate: Promise<void> | null = null;
  /** While set, builds run elsewhere (as on Koji): start leaves them pending, and `check` answers
   * pending this many more times before the build is done. */
  pendingChecks: number | null = null;
  /** The handles `check` was asked about. */
  readonly checked: string[] = [];

  async start(request: BuildRequest): Promise<BuildProgress> {
    this.built.push(request);
    if (this.pendingChecks !== null)
      return {
        pending: { handle: `task-${this.built.length}`, pollMs: 5000, taskId: 100 + this.built.length },
      };
    return this.#finish(request);
  }

  async check(handle: string, request: BuildRequest): Promise<BuildProgress> {
    this.checked.push(handle);
    if (this.pendingChecks !== null && this.pendingChecks > 0) {
      this.pendingChecks--;
      return { pending: { handle, pollMs: 5000, taskId: null } };
    }
    return this.#finish(request);
  }

  async #finish(request: BuildRequest): Promise<BuildProgress> {
    if (this.gate) await this.gate;
    const log = `${request.outDir}/build.log`;
    const { target } = request;
    if (this.failing || this.infrastructureDown) {
      const failure: BuildFailure = this.failing
        ? {
            class: 'patch',
            message: 'error: Bad exit status from /var/tmp/rpm-tmp.1 (%build)',
            errorLines: ['error: Bad exit status from /var/tmp/rpm-tmp.1 (%build)'],
            arch: target.arches[0] ?? null,
          }
        : {
            class: 'infrastructure',
            message: 'Curl error (7): Failed to connect to mirror',
            errorLines: [],
            arch: null,
          };
      const arches = target.arches.map((arch) => ({
        arch,
        state: 'failed' as const,
        rpms: [],
        log,
        reason: failure.message,
      }));
      return { done: { state: 'failed', arches, srpm: request.srpm.path, log, failure, taskId: null } };
    }
    const { name, version, release } = request.srpm;
    const arches = target.arches.map((arch) => ({
      arch,
      state: 'succeeded' as const,
      rpms: [`${request.outDir}/${name}-${version}-${release}${target.dist}.${arch}.rpm`],
      log,
      reason: null,
    }));
    return {
      done: { state: 'succeeded', arches, srpm: request.srpm.path, log, failure: null, taskId: null },
    };
  }

  cancel(): Promise<void> {
    return Promise.resolve();
  }

  logTail(): Promise<string | null> {
    return Promise.resolve(null);
  }
}

/** Makes a "source package" per commit without rpmbuild: named for the project and the commit. */
export class FakePackager implements SourcePackager {
  readonly made: SourceRequest[] = [];
  /** The repository lacks every commit asked for (a webhook's, of another repository): make
   * throws as the mirror does (ports/repository.ts UNKNOWN_COMMIT). */
  commitsUnknown = false;

  make(request: SourceRequest): Promise<SourcePackage> {
    this.made.push(request);
    if (this.commitsUnknown)
      return Promise.reject(
        new PatchferryError(UNKNOWN_COMMIT, `commit ${request.commit} is not in ${request.gitUrl}`),
      );
    const release = request.release === 'snapshot' ? `1.1.20260101git${request.commit.slice(0, 7)}` : '1';
    return Promise.resolve({
      path: `/nonexistent/srpms/${request.project}-1.0-${release}.src.rpm`,
      name: request.project,
      version: '1.0',
      release,
    });
  }
}

/** A publisher that records what it published and answers with its would-be URLs. */
export class FakePublisher implements Publisher {
  readonly published: PublishRequest[] = [];
  /** The host is down: every publication fails, as rsync to an unreachable target does. */
  unreachable = false;

  publishedHead(site: {
    channel: string;
    project: string;
    branch: string;
    platform: string;
  }): Promise<string | null> {
    const last = this.published.findLast(
      (r) =>
        (r.channel ?? 'builds') === site.channel &&
        r.project === site.project &&
        r.branch === site.branch &&
        r.platform.name === site.platform,
    );
    return Promise.resolve(last?.commit ?? null);
  }

  publish(request: PublishRequest): Promise<Publication> {
    if (this.unreachable)
      return Promise.reject(
        new PatchferryError(
          'publish_target_down',
          'ssh: connect to host 127.0.0.1 port 1: Connection refused\r',
          {
            retryable: true,
          },
        ),
      );
    this.published.push(request);
    const path = `${request.project}/${request.branch}/${request.platform.name}`;
    return Promise.resolve({
      path,
      url: `http://repos.example/${path}/${request.platform.arches[0] ?? 'noarch'}/`,
      repoFileUrl: `http://repos.example/${request.project}/${request.branch}/${request.platform.name}/${request.project}-${request.branch}.repo`,
      added: request.rpms.map((r) => r.slice(r.lastIndexOf('/') + 1)),
      removed: [],
      files: request.rpms.map((r) => `${path}/${r.slice(r.lastIndexOf('/') + 1)}`),
    });
  }
}

/** Build logs "served" at would-be URLs under repos.example, recording what was published. */
export class FakeBuildLogs implements BuildLogs {
  readonly published: BuildLogsRequest[] = [];

  publish(request: BuildLogsRequest): Promise<PublishedLogs> {
    this.published.push(request);
    const dir = `http://repos.example/logs/${request.project}/${request.branch}/${request.platform}/${request.buildId}-${request.nvr ?? 'no-srpm'}`;
    return Promise.resolve(new Map(request.logs.map((l) => [l.name, `${dir}/${l.name}`])));
  }
}

/** A tester that records what it was asked and answers what the test set: every check passes
 * unless its name is in `failing`; `installs: false` makes the build not install. */
export class FakeTester implements Tester {
  readonly arch = 'x86_64';
  readonly tested: SmokeRequest[] = [];
  failing = new Set<string>();
  installs = true;

  test(request: SmokeRequest): Promise<SmokeResult> {
    this.tested.push(request);
    if (!this.installs)
      return Promise.resolve({ installed: false, tail: 'Error: nothing provides probe-data' });
    return Promise.resolve({
      installed: true,
      packages: request.rpms
        .filter((r) => !r.endsWith('.src.rpm'))
        .map((r) => r.slice(r.lastIndexOf('/') + 1)),
      checks: request.checks.map((c) => {
        const failed = this.failing.has(c.name);
        return {
          name: c.name,
          passed: !failed,
          failure: failed ? 'exit 3' : null,
          tail: failed ? `${c.run.join(' ')}: deliberate failure` : `${c.run.join(' ')}: ok`,
          seconds: 0.1,
        };
      }),
    });
  }
}

/** An archive of the day's patches that keeps what it was given in memory. */
export class FakeArchive implements PatchArchive {
  readonly archived: ArchivedSeries[] = [];

  archive(series: ArchivedSeries): Promise<ArchivedFile> {
    this.archived.push(series);
    const path = `patches/${series.day}/${series.project}/${series.branch}/${series.seriesId.replace(/[^a-z0-9]+/gi, '-')}.mbox`;
    return Promise.resolve({ path, url: `http://repos.example/${path}` });
  }
}
