import type { Authenticator } from '../ports/authenticator.ts';
import { errorMessage } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import type { Authenticity } from '../trust/authenticity.ts';
import { verifyDkimAndArc } from './dkim.ts';
import type { DnsResolver } from './dns.ts';
import { verifyAttestation } from './patatt.ts';

export { systemResolver, type DnsResolver } from './dns.ts';

/** The authenticator of the composition root: DKIM and ARC by mailauth (keys from `resolver`),
 * patatt/b4 signatures with keys from `keyring`. */
export function mailVerifier(o: {
  readonly resolver: DnsResolver;
  readonly keyring: string | null;
  readonly log: Logger;
}): Authenticator {
  return {
    async verify(raw: Buffer): Promise<Authenticity> {
      const [mail, attestation] = await Promise.all([
        verifyDkimAndArc(raw, o.resolver).catch((err: unknown) => {
          o.log.warn({ err: errorMessage(err) }, 'DKIM and ARC not verified');
          return { from: '', dkim: [], arc: { result: 'none', sealer: null, vouched: [] }, temporary: true };
        }),
        verifyAttestation(raw, o.keyring).catch((err: unknown) => {
          o.log.warn({ err: errorMessage(err) }, 'developer signatures not verified');
          return [{ identity: '', algorithm: '', result: 'error' as const }];
        }),
      ]);
      return { ...mail, attestation };
    },
  };
}
