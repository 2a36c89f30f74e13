import type { Config } from '../../config/schema.ts';
import type { RoutingTable } from '../../series/route.ts';

/** The routing table of a configuration: its projects and the subject pattern, compiled once. */
export function routingTable(config: Config): RoutingTable {
  const pattern = config.subjects.pattern;
  return { projects: config.projects, ...(pattern ? { pattern: new RegExp(pattern) } : {}) };
}
