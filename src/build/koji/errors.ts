import { PatchferryError } from '../../shared/errors.ts';

/** Koji's fault codes that change what the client does (koji/__init__.py's exception classes,
 * checked against a 1.35 hub: ../shared/notes/koji.md). */
export const FAULT = {
  generic: 1000,
  /** AuthError: bad credentials, or a session logged out, expired or forged. */
  auth: 1002,
  /** ActionNotAllowed: a write call without a session, or a policy refusal. */
  notAllowed: 1004,
  buildError: 1005,
  /** AuthExpired: the session expired (some setups; 1.35.3 answers 1002). */
  authExpired: 1007,
  /** SequenceError: a call number lower than one the hub already saw (another user of the session). */
  sequence: 1008,
  /** RetryError: the same call number again after the hub committed that call: it was done once. */
  retry: 1009,
  /** ServerOffline: the hub is in maintenance. */
  offline: 1014,
  paramError: 1019,
} as const;

/** What went wrong talking to a hub. `koji_fault` carries the hub's fault code; the others name the
 * transport's failure. */
export type KojiErrorCode =
  | 'koji_fault'
  | 'koji_auth'
  | 'koji_session_expired'
  | 'koji_sequence'
  | 'koji_call_done'
  | 'koji_offline'
  | 'koji_http'
  | 'koji_network'
  | 'koji_timeout'
  | 'koji_aborted'
  | 'koji_response_invalid'
  | 'koji_upload_corrupt'
  | 'koji_download'
  | 'koji_target_invalid'
  | 'koji_config';

/** An error from the Koji adapter: `fault` is the hub's fault code when it answered with one,
 * `status` the HTTP status when it answered with something else than XML-RPC. */
export class KojiError extends PatchferryError {
  readonly fault: number | null;
  readonly status: number | null;
  declare readonly code: KojiErrorCode;

  constructor(
    code: KojiErrorCode,
    message: string,
    options: { cause?: unknown; retryable?: boolean; fault?: number; status?: number } = {},
  ) {
    super(code, message, options);
    this.fault = options.fault ?? null;
    this.status = options.status ?? null;
  }
}

/** Maps a hub fault to the error the adapter raises: which ones a retry can help, and what to do. */
export function faultError(method: string, faultCode: number, faultString: string): KojiError {
  const at = `Koji ${method}: ${faultString} (fault ${faultCode})`;
  switch (faultCode) {
    case FAULT.auth:
      return new KojiError('koji_auth', `${at}: check the builder's Koji credentials`, { fault: faultCode });
    case FAULT.authExpired:
      return new KojiError('koji_session_expired', `${at}: the session expired; logging in again helps`, {
        fault: faultCode,
        retryable: true,
      });
    case FAULT.sequence:
      return new KojiError(
        'koji_sequence',
        `${at}: another client used this session; a fresh session helps`,
        { fault: faultCode, retryable: true },
      );
    case FAULT.retry:
      return new KojiError(
        'koji_call_done',
        `${at}: the hub already did this call but its answer was lost; look at the hub before trying again`,
        { fault: faultCode },
      );
    case FAULT.offline:
      return new KojiError('koji_offline', `${at}: the hub is offline for maintenance; retrying later`, {
        fault: faultCode,
        retryable: true,
      });
    default:
      return new KojiError('koji_fault', at, { fault: faultCode });
  }
}
