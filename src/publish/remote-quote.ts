/**
 * Quoting for the shell on the other end of ssh. ssh joins its command arguments with spaces and
 * hands the line to the remote user's login shell, which splits and expands it again: every
 * argument of a remote command goes through `quoteForRemoteShell`, and nothing else builds a remote
 * command line. Pure.
 *
 * The rule is POSIX sh's (XCU 2.2.2, single quotes): everything between single quotes is literal,
 * newlines included; a single quote itself is closed, escaped and reopened (`'\''`). It holds for
 * sh, dash, bash, ksh and zsh, not for csh or fish: the remote account's login shell must be a
 * POSIX one.
 */

/**
 * One argument as a remote POSIX shell reads it back unchanged: `it's $HOME` → `'it'\''s $HOME'`.
 * Quoting does not stop a command from reading a leading `-` as an option: callers pass `--` or
 * absolute paths. A NUL byte cannot be passed to any program and is refused (RangeError).
 */
export function quoteForRemoteShell(arg: string): string {
  if (arg.includes('\0')) throw new RangeError('a remote shell argument cannot hold a NUL byte');
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** A remote command line from its arguments, each quoted: `['ls', '-l', 'a b']` → `'ls' '-l' 'a b'`. */
export function remoteCommand(argv: readonly string[]): string {
  return argv.map(quoteForRemoteShell).join(' ');
}

/** Remote commands run one after the other, each only if the one before succeeded (`a && b`). */
export function remoteSequence(commands: readonly (readonly string[])[]): string {
  return commands.map(remoteCommand).join(' && ');
}
