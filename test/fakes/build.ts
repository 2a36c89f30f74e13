import type { BuildRequest, BuildResult, Builder } from '../../src/ports/builder.ts';
import type { Publication, PublishRequest, Publisher } from '../../src/ports/publisher.ts';

/** A builder that "builds" one RPM per request, named by its commit and platform. */
export class FakeBuilder implements Builder {
  readonly built: BuildRequest[] = [];
  /** While set, every build fails as a package whose %build breaks would. */
  failing = false;
  /** While set, every build waits for it: a build that takes hours. */
  gate: Promise<void> | null = null;

  async build(request: BuildRequest): Promise<BuildResult> {
    this.built.push(request);
    if (this.gate) await this.gate;
    if (this.failing)
      return Promise.resolve({
        ok: false,
        error: 'rpmbuild exited 1',
        logPath: `${request.outDir}/build.log`,
      });
    const rpm = `${request.outDir}/${request.project}-1.0-1.${request.commit.slice(0, 7)}${request.platform.dist}.${request.platform.arch}.rpm`;
    return { ok: true, rpms: [rpm], srpm: null, logPath: `${request.outDir}/build.log` };
  }

  logTail(): Promise<string | null> {
    return Promise.resolve(null);
  }
}

/** A publisher that records what it published and answers with its would-be URLs. */
export class FakePublisher implements Publisher {
  readonly published: PublishRequest[] = [];

  publish(request: PublishRequest): Promise<Publication> {
    this.published.push(request);
    const path = `${request.project}/${request.branch}/${request.platform.name}/${request.platform.arch}`;
    return Promise.resolve({
      path,
      url: `http://repos.example/${path}/`,
      repoFileUrl: `http://repos.example/${request.project}/${request.branch}/${request.platform.name}/${request.project}-${request.branch}.repo`,
    });
  }
}
