import { errorMessage } from '../shared/errors.ts';
import type { Context } from './context.ts';

export interface PublishSummary {
  readonly published: readonly {
    project: string;
    branch: string;
    platform: string;
    url: string;
    repoFileUrl: string;
  }[];
  readonly failed: readonly { project: string; branch: string; platform: string; error: string }[];
}

/** Publishes every successful build that no repository serves yet. */
export async function publish(ctx: Context): Promise<PublishSummary> {
  const published: PublishSummary['published'][number][] = [];
  const failed: PublishSummary['failed'][number][] = [];
  for (const b of ctx.store.builds.unpublished()) {
    const where = { project: b.project, branch: b.branch, platform: b.platform };
    try {
      const rpms = b.rpms.filter((r) => !r.endsWith('.src.rpm'));
      const result = await ctx.publisher.publish({
        ...where,
        platform: { name: b.platform, arch: b.arch },
        buildId: b.id,
        rpms,
      });
      ctx.store.builds.recordPublication(b.id, result.path, result.url);
      published.push({ ...where, url: result.url, repoFileUrl: result.repoFileUrl });
    } catch (err) {
      failed.push({ ...where, error: errorMessage(err) });
      ctx.log.error({ ...where, err: errorMessage(err) }, 'publish failed');
    }
  }
  return { published, failed };
}
