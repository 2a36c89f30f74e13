export interface PublishRequest {
  readonly project: string;
  readonly branch: string;
  readonly platform: { readonly name: string; readonly arch: string };
  /** Names the snapshot; publishing the same build twice changes nothing. */
  readonly buildId: number;
  readonly rpms: readonly string[];
  /** Stops the publication; what is served stays as it was. */
  readonly signal?: AbortSignal;
}

export interface Publication {
  /** The directory a yum client reads (a stable path that always holds a whole repository). */
  readonly path: string;
  readonly url: string;
  /** A .repo file for /etc/yum.repos.d/ that points at every architecture of this platform. */
  readonly repoFileUrl: string;
}

/** Makes yum repositories of built RPMs on a web server. */
export interface Publisher {
  publish(request: PublishRequest): Promise<Publication>;
}
