import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError, errorMessage } from '../shared/errors.ts';
import { COMMAND_HELP, MAIN_HELP } from './help.ts';

/** What every command does its input and output through (tests give their own). */
export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** Resolves when the user asks a long-running command (demo serving) to stop. */
  readonly interrupted: () => Promise<void>;
  /** Registers a listener of SIGHUP (serve reloads its configuration); absent where there is none. */
  readonly hangups?: (listener: () => void) => void;
}

// C0 controls but tab and newline, DEL, C1 controls, and the bidirectional controls that reorder
// what a terminal shows (Trojan Source, CVE-2021-42574).
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A line for the terminal with the characters that would act on it shown as `\uXXXX` instead:
 * subjects and names come from mail, and an ESC in one must not recolour or rewrite the screen.
 * The escape is also valid inside a JSON string, so `--json` output stays JSON that reads the same.
 */
export function printable(line: string): string {
  return line.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The same Io, printing only printable lines. */
export function printableIo(io: Io): Io {
  return { ...io, out: (line) => io.out(printable(line)), err: (line) => io.err(printable(line)) };
}

const COMMON = {
  config: { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** A command's options besides the common ones; a mistake is a UsageError that says where help is. */
export function parse<O extends ParseArgsConfig['options']>(
  command: string,
  args: readonly string[],
  options: O,
) {
  try {
    return parseArgs({
      args: [...args],
      options: { ...COMMON, ...options },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError(`${command}: ${argsProblem(errorMessage(err))}; run "patchferry ${command} --help"`);
  }
}

/** node:util parseArgs's message in a sentence of ours: its advice about positional arguments
 * starting with "-" fits no patchferry command. */
function argsProblem(message: string): string {
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown option ${unknown[1]}`;
  const missing = /^Option '(?:-\w, )?(--[\w-]+)[^']*' argument missing/.exec(message);
  if (missing) return `${missing[1]} needs a value`;
  const noValue = /^Option '(?:-\w, )?(--[\w-]+)[^']*' does not take an argument/.exec(message);
  if (noValue) return `${noValue[1]} takes no value`;
  return message;
}

export function help(command: string, io: Io): number {
  io.out(COMMAND_HELP[command] ?? MAIN_HELP);
  return 0;
}

/** The --port option's value, `fallback` when it is absent: an integer from 0 (a free port) to
 * 65535. Throws UsageError naming `command` otherwise, an empty value included (which Number reads
 * as 0, a free port nobody asked for). */
export function portOption(command: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (value.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`${command}: --port ${JSON.stringify(value)} is not a port number`);
  return port;
}
