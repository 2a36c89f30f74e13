import type { Authenticity } from '../trust/authenticity.ts';

/** Verifies who sent a mail: its DKIM signatures, its ARC chain, its patatt/b4 developer
 * signatures. Adapter: verify/ (mailauth, node:crypto, git mailinfo). */
export interface Authenticator {
  /** What verifying the raw RFC 5322 bytes found. A missing or bad signature is a verdict, not an
   * error; a check that could not be done for now (DNS did not answer) is marked `temporary`. */
  verify(raw: Buffer): Promise<Authenticity>;
}
