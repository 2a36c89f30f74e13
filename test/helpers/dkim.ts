import { generateKeyPairSync } from 'node:crypto';
import { sealMessage } from 'mailauth/lib/arc/index.js';
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import type { DnsResolver } from '../../src/verify/dns.ts';

/** A DNS zone in memory that serves the DKIM keys a test makes: the verifier's injectable resolver
 * asks it, and nothing outside the process is ever asked. Unknown names answer ENOTFOUND, as DNS
 * would; `down()` makes every answer SERVFAIL, a resolver that does not answer. */
export class TestZone {
  readonly #txt = new Map<string, string>();
  #down = false;

  readonly resolver: DnsResolver = (name, rrtype) => {
    if (this.#down)
      return Promise.reject(Object.assign(new Error(`queryTxt ESERVFAIL ${name}`), { code: 'ESERVFAIL' }));
    const record = rrtype === 'TXT' ? this.#txt.get(name.toLowerCase()) : undefined;
    if (record === undefined)
      return Promise.reject(Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' }));
    return Promise.resolve([[record]]);
  };

  /** A new RSA key for `selector._domainkey.domain`, published here; returns its private half. */
  key(domain: string, selector = 'sel'): string {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const p = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    this.#txt.set(`${selector}._domainkey.${domain}`.toLowerCase(), `v=DKIM1; k=rsa; p=${p}`);
    return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }

  down(): void {
    this.#down = true;
  }

  /** Answers again after `down()`. */
  up(): void {
    this.#down = false;
  }
}

/** The mail with a DKIM-Signature of `domain` on top, made by mailauth's own signer. */
export async function dkimSigned(
  raw: Buffer,
  domain: string,
  privateKey: string,
  selector = 'sel',
): Promise<Buffer> {
  // mailauth signs with signatureData; its typings also ask for the fields at the top.
  const key = { signingDomain: domain, selector, privateKey };
  const { signatures, errors } = await dkimSign(raw, { ...key, signatureData: [key] });
  if (!signatures) throw new Error(`DKIM signing failed: ${String(errors[0]?.err)}`);
  return Buffer.concat([Buffer.from(signatures), raw]);
}

/** What a list server does: a footer added (which breaks the author's DKIM body hash), then an ARC
 * set sealed by `sealer` recording the DKIM result it saw on arrival. */
export async function throughList(
  raw: Buffer,
  o: { sealer: string; privateKey: string; sawDkimOf: string; selector?: string },
): Promise<Buffer> {
  const changed = Buffer.concat([raw, Buffer.from('_______________\nlist footer\n')]);
  const headers = await sealMessage(changed, {
    signingDomain: o.sealer,
    selector: o.selector ?? 'sel',
    privateKey: o.privateKey,
    authResults: `${o.sealer}; dkim=pass header.i=@${o.sawDkimOf} header.s=sel header.a=rsa-sha256`,
    cv: 'none',
  });
  return Buffer.concat([headers, changed]);
}
