import { PatchferryError, errorMessage } from '../shared/errors.ts';

/** A failure the IMAP server or the connection to it reported, in words that say what to fix. */
export class ImapError extends PatchferryError {}

/** Maps what imapflow and node's sockets throw to an ImapError that says what went wrong. */
export function describeImapFailure(
  err: unknown,
  name: string,
  credential: 'password' | 'access token',
  user: string,
): ImapError {
  if (err instanceof ImapError) return err;
  const e = err as {
    authenticationFailed?: boolean;
    tlsFailed?: boolean;
    code?: string;
    responseText?: string;
    responseStatus?: string;
    serverResponseCode?: string;
    executedCommand?: string;
  };
  if (e.authenticationFailed) {
    return new ImapError(
      'imap_auth',
      `${name}: the server refused the login for "${user}" (${e.responseText ?? errorMessage(err)}); check the ${credential}`,
      { cause: err },
    );
  }
  if (e.tlsFailed || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/.test(e.code ?? '')) {
    return new ImapError(
      'imap_tls',
      `${name}: TLS failed (${e.code ?? errorMessage(err)}: ${errorMessage(err)}); check security, port and caFile`,
      { cause: err },
    );
  }
  if (e.responseStatus === 'NO' || e.responseStatus === 'BAD') {
    // The server answered and said no: asking again changes nothing, unless it says it is busy.
    const busy = /^(UNAVAILABLE|INUSE|LIMIT|SERVERBUG)$/i.test(e.serverResponseCode ?? '');
    return new ImapError(
      'imap_refused',
      `${name}: the server refused ${e.executedCommand?.replace(/^\S+ /, '') ?? 'a command'}: ${e.responseText ?? errorMessage(err)}`,
      { cause: err, retryable: busy },
    );
  }
  return new ImapError('imap_connection', `${name}: ${errorMessage(err)}${e.code ? ` (${e.code})` : ''}`, {
    cause: err,
    retryable: true,
  });
}
