/** Which tree a publication goes to: every build (the default), the scheduled builds, or the
 * testing and stable repositories of the test stage. */
export type PublishChannel = 'builds' | 'nightly' | 'testing' | 'stable';

export interface PublishRequest {
  readonly project: string;
  readonly branch: string;
  /** The platform and the arches it builds for: a noarch package joins the repository of each. */
  readonly platform: { readonly name: string; readonly arches: readonly string[] };
  /** `builds` when absent. */
  readonly channel?: PublishChannel;
  /** The build the RPMs come from (recorded beside each package; its order is the publication's). */
  readonly buildId: number;
  /** Every RPM of the build, source packages (.src.rpm) included: their arch is read from each. */
  readonly rpms: readonly string[];
  /** The commit the build is of: the platform directory's head once published (`publishedHead`). */
  readonly commit?: string;
  /** The RPMs are files another channel serves (the testing repository a build is promoted from):
   * hard-linked, not copied, and not signed again (they were when first published). */
  readonly promoted?: boolean;
  /** Stops the publication; what is served stays as it was. */
  readonly signal?: AbortSignal;
}

export interface Publication {
  /** The platform directory, which always holds whole repositories (one per arch, and SRPMS). */
  readonly path: string;
  /** The repository of the platform's first arch (a yum baseurl). */
  readonly url: string;
  /** A .repo file for /etc/yum.repos.d/ that points at every architecture of this platform. */
  readonly repoFileUrl: string;
  /** Paths relative to `path` of the packages this publication added and removed (retention);
   * both empty when the build was published already. */
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** Where each RPM of the request is served, through `path` (a noarch package once, in its first
   * arch), whether this publication added it or an earlier one did: what a promotion links. */
  readonly files: readonly string[];
}

/** Makes yum repositories of built RPMs on a web server. Publications to one platform directory run
 * one at a time; each keeps the packages published before (up to the retention limit). */
export interface Publisher {
  publish(request: PublishRequest): Promise<Publication>;
  /** The commit whose build a platform directory of `channel` last received, as the published tree
   * records it (so a job with no database knows what the last nightly built); null when nothing was
   * published there, or without a commit. */
  publishedHead(site: {
    readonly channel: PublishChannel;
    readonly project: string;
    readonly branch: string;
    readonly platform: string;
  }): Promise<string | null>;
}
