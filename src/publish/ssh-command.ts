import { PatchferryError, ToolError } from '../shared/errors.ts';

/** How to reach the remote httpd host (publisher.target with kind: rsync). */
export interface SshEndpoint {
  readonly host: string;
  readonly user: string;
  /** TCP port of sshd; 22 in the configuration's default. */
  readonly port: number;
  /** The private key to log in with; ssh's default keys when absent. */
  readonly identityFile?: string;
  /** The known_hosts file the host's key is checked against; the only one read. */
  readonly knownHosts: string;
  /** Seconds to wait for the TCP connection and the SSH handshake. */
  readonly connectTimeoutSeconds: number;
}

/** Characters ssh or rsync's `-e` parser would split, expand (`%h`, `~`) or unquote in a path. */
const UNSAFE_LOCAL_PATH = /[\s"'\\%~]/;

/**
 * ssh's options, every one explicit: no ssh_config read (`-F none`), the host key checked against
 * the configured known_hosts only and never added or updated (StrictHostKeyChecking=yes, never
 * accept-new), no prompt (BatchMode), bounded connect time, a dead link noticed in a minute.
 * The host and the command are not included. Throws `publish_remote_config` for an identity or
 * known_hosts path that ssh would not read as one path.
 */
export function sshOptions(target: SshEndpoint): string[] {
  for (const [key, path] of [
    ['identityFile', target.identityFile],
    ['knownHosts', target.knownHosts],
  ] as const) {
    if (path !== undefined && UNSAFE_LOCAL_PATH.test(path))
      throw new PatchferryError(
        'publish_remote_config',
        `publisher.target.${key}: ${JSON.stringify(path)} holds a space, quote, backslash, % or ~, which ssh would split or expand; move the file to a plain path`,
      );
  }
  return [
    '-F',
    'none',
    '-p',
    String(target.port),
    '-l',
    target.user,
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${target.knownHosts}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'UpdateHostKeys=no',
    '-o',
    `ConnectTimeout=${target.connectTimeoutSeconds}`,
    '-o',
    'ServerAliveInterval=15',
    '-o',
    'ServerAliveCountMax=4',
    ...(target.identityFile === undefined
      ? []
      : ['-o', 'IdentitiesOnly=yes', '-o', `IdentityFile=${target.identityFile}`]),
  ];
}

/** rsync's `--rsh` value: ssh and its options as one line (rsync splits it at spaces; sshOptions
 * refuses paths that hold one). */
export function rsyncRsh(target: SshEndpoint): string {
  return ['ssh', ...sshOptions(target)].join(' ');
}

const HOST_KEY =
  /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|host key is known for .* and you have requested strict checking/i;
const AUTH = /Permission denied \(|Too many authentication failures|no mutual signature/i;
const NETWORK =
  /Connection refused|Connection timed out|Operation timed out|Could not resolve hostname|Name or service not known|No route to host|Network is unreachable|Connection reset|Connection closed by|Broken pipe|kex_exchange_identification|connection unexpectedly closed|Timeout, server .* not responding/i;

/**
 * What a failed ssh or rsync run means for the publication, from what they printed: the host key
 * unknown or changed (not retryable: the user must check the key and add it to known_hosts), the
 * login refused (not retryable), the network (retryable), or the remote side failing (not
 * retryable: a full disk or missing permission needs a person). A timeout is retryable; an abort
 * is passed on as it is.
 */
export function remoteError(err: unknown, target: SshEndpoint, doing: string): unknown {
  if (!(err instanceof ToolError)) return err;
  if (err.outcome === 'aborted') return err;
  // What is uploaded goes to the host; other work (switching, pruning) happens on it.
  const host = `${target.user}@${target.host}:${target.port}`;
  const where = `${/^uploading\b/.test(doing) ? 'to' : 'on'} ${host}`;
  if (err.outcome === 'timeout')
    return new PatchferryError('publish_remote_timeout', `${doing} ${where} timed out; it is tried again`, {
      cause: err,
      retryable: true,
    });
  const output = err.output;
  const tail = output.trim().split('\n').slice(-5).join('\n');
  if (HOST_KEY.test(output))
    return new PatchferryError(
      'publish_remote_host_key',
      `the host key of ${target.host} (port ${target.port}) is not in ${target.knownHosts} or does not match it: check the host's key fingerprint with its administrator, then add it to ${target.knownHosts} (ssh-keyscan -p ${target.port} ${target.host} prints it); nothing was uploaded`,
      { cause: err },
    );
  if (AUTH.test(output))
    return new PatchferryError(
      'publish_remote_auth',
      `${host} refused the login: add the public key of ${target.identityFile ?? 'the default ssh key'} to ${target.user}'s authorized_keys there\n${tail}`,
      { cause: err },
    );
  if (NETWORK.test(output))
    return new PatchferryError(
      'publish_remote_network',
      `${doing} ${where} failed on the network; it is tried again\n${tail}`,
      { cause: err, retryable: true },
    );
  return new PatchferryError('publish_remote_failed', `${doing} ${where} failed\n${tail}`, { cause: err });
}
