import { basename } from 'node:path';
import type { BuildRecord } from '../../ports/store.ts';
import { refusedPackages, type PackageIdentity } from '../../rpm/package-policy.ts';
import { PatchferryError } from '../../shared/errors.ts';
import type { Deps } from '../deps.ts';

/**
 * Refuses to publish a build whose packages its project may not publish (src/rpm/package-policy.ts):
 * names outside `projects.<p>.packages` (default: what the branch's last published build made), or
 * a raised Epoch. Throws `publish_refused` (not retryable) with every reason; the dead unit's report
 * says them to the maintainers.
 */
export async function checkPackages(
  deps: Pick<Deps, 'config' | 'store' | 'packages'>,
  build: BuildRecord,
  signal?: AbortSignal,
): Promise<void> {
  const produced = await deps.packages.identities(build.rpms, signal);
  const reasons = refusedPackages(produced, {
    allowed: deps.config.projects[build.project]?.packages ?? null,
    before: await publishedBefore(deps, build, signal),
  });
  if (reasons.length === 0) return;
  throw new PatchferryError(
    'publish_refused',
    `build ${build.id} of ${build.project}/${build.branch} (${build.commit.slice(0, 12)}, ${build.platform}) is not published: ${reasons.join('; ')}`,
  );
}

/** The packages of the branch's last published build on each platform (a spec may make a subpackage
 * on one platform only): from the RPMs' headers while they are kept, else (cleaned away) from their
 * file names, whose Epoch is unknown and so not compared. */
async function publishedBefore(
  deps: Pick<Deps, 'store' | 'packages'>,
  build: BuildRecord,
  signal?: AbortSignal,
): Promise<PackageIdentity[] | null> {
  const last = deps.store.builds.lastPublished(build.project, build.branch).filter((b) => b.id !== build.id);
  if (last.length === 0) return null;
  const fromNames = (rpms: readonly string[]) =>
    rpms.map((f) => ({ name: nameOfRpmFile(basename(f)), epoch: Number.POSITIVE_INFINITY }));
  const each = await Promise.all(
    last.map((b) => deps.packages.identities(b.rpms, signal).catch(() => fromNames(b.rpms))),
  );
  return each.flat();
}

/** `name-version-release.arch.rpm` → name (rpm's default %{_rpmfilename}). */
function nameOfRpmFile(file: string): string {
  return file
    .replace(/\.rpm$/, '')
    .split('-')
    .slice(0, -2)
    .join('-');
}
