import type { Config } from '../../config/schema.ts';
import type { BuildTarget } from '../../rpm/target.ts';

/** The target `platforms.<name>` configures; null when it is not configured (any more). */
export function targetOf(config: Pick<Config, 'platforms'>, name: string): BuildTarget | null {
  const p = config.platforms[name];
  if (!p) return null;
  return {
    name,
    dist: p.dist,
    arches: p.arches,
    kojiTarget: p.kojiTarget ?? null,
    releasever: p.releasever ?? null,
  };
}

/** How reports show a target's arches ("x86_64 ppc64le"). */
export function archLabel(target: Pick<BuildTarget, 'arches'>): string {
  return target.arches.join(' ');
}

/** Infrastructure failures a build unit retries before reporting one: the builder's setting, within
 * the worker's attempts (the last attempt always reports, so the unit never dies of them). */
export function infrastructureRetries(config: Pick<Config, 'builder' | 'work'>): number {
  return Math.max(0, Math.min(config.builder.infrastructureRetries, config.work.maxAttempts - 1));
}
