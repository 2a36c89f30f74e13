import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '../config/load.ts';
import { pathProblems } from '../config/paths.ts';
import type { Config } from '../config/schema.ts';
import { ConfigError, UsageError } from '../shared/errors.ts';
import { createLogger, type Logger } from '../shared/log.ts';
import type { Io } from './common.ts';

// The configuration file and the logger, apart from the rest of the CLI: zod, yaml and pino are a
// fifth of a process's memory, and `scan`, `--help` and `--version` need none of them. Commands
// load this module when they start (`await import('./settings.ts')`).

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** The JSON logger on stderr at `--log-level`, else $PATCHFERRY_LOG_LEVEL, else warn. An unknown
 * level is a UsageError naming the levels. */
export function logger(level: string | undefined, io: Io): Logger {
  const chosen = level ?? io.env.PATCHFERRY_LOG_LEVEL ?? 'warn';
  if (!LOG_LEVELS.includes(chosen)) {
    const where = level !== undefined ? '--log-level' : 'PATCHFERRY_LOG_LEVEL';
    throw new UsageError(`${where} "${chosen}" is not a log level; use one of ${LOG_LEVELS.join(', ')}`);
  }
  return createLogger({ level: chosen });
}

/** The configuration, valid, and by default with the paths it names checked too (`paths: false`
 * for commands that touch none of them; `sources: false` for those that read no source): a path
 * missing or unusable stops every start here, naming its key, rather than in a stack trace later. */
export function config(
  path: string | undefined,
  io: Io,
  check: { paths?: boolean; sources?: boolean } = {},
): Config {
  const file = path ?? io.env.PATCHFERRY_CONFIG ?? 'patchferry.yml';
  if (!existsSync(file)) {
    throw new ConfigError(file, [
      `no configuration file at ${resolve(file)}; give one with --config FILE (see examples/patchferry.yml)`,
    ]);
  }
  const cfg = loadConfig(file);
  if (check.paths === false) return cfg;
  const problems = pathProblems(cfg, check.sources === false ? { sources: false } : {});
  if (problems.length > 0) throw new ConfigError(file, problems);
  return cfg;
}

export { loadConfig };
