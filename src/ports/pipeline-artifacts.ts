import type { BuildRecord } from './store.ts';

/** A build as one pipeline job hands it to the next: its record, its files' paths inside the
 * artifacts (a log that is a URL, as Koji's are, stays a URL). */
export type CarriedBuild = Omit<BuildRecord, 'id' | 'createdAt'>;

/**
 * The folder a CI pipeline carries from job to job (GitLab artifacts, GitHub upload-artifact): a
 * job starts with an empty database, so what the build jobs made reaches the publish and report
 * jobs here.
 */
export interface PipelineArtifacts {
  /** Copies the build's RPMs and logs into the artifacts with a manifest naming them; saving the
   * same build again (after its publication) replaces its manifest. */
  save(build: CarriedBuild): Promise<void>;
  /** Every build the pipeline's jobs saved, oldest first. Throws a PatchferryError
   * (`artifacts_unreadable`) naming a manifest that cannot be read. */
  load(): Promise<CarriedBuild[]>;
}
