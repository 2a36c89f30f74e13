import { pino, type Logger } from 'pino';

export type { Logger };

/** What an adapter that only warns needs of a logger: a `Logger` is one, and so is a command's
 * own printer of warnings (`scan` loads no logger). */
export interface Warnings {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** Keys whose values never reach a log line, wherever they sit in the logged object. */
const REDACT = ['password', 'token', 'secret', 'authorization', 'privateKey', 'sessionKey'].flatMap((key) => [
  key,
  `*.${key}`,
  `*.*.${key}`,
]);

export interface LogOptions {
  level?: string;
  /** Where JSON lines go; stderr by default so stdout stays for what the user asked for. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LogOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.PATCHFERRY_LOG_LEVEL ?? 'info',
      base: { app: 'patchferry' },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination(2),
  );
}

/** A logger that drops everything: for tests and library callers that log nothing. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
