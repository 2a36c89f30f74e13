/** What verifying one mail found: DKIM signatures, the ARC chain, patatt/b4 developer signatures.
 * Recorded with the mail when it is first read (JSON in the store), so that every later stage reads
 * the same verdict (a DKIM key rotated next month must not change it). */
export interface Authenticity {
  /** The From: address the checks are about (lower case). */
  readonly from: string;
  /** Each DKIM signature: its signing domain (d=), mailauth's result, and whether d= is aligned
   * with the From: domain (DMARC's relaxed alignment, RFC 7489 §3.1.1). */
  readonly dkim: readonly { readonly domain: string; readonly result: string; readonly aligned: boolean }[];
  /** The ARC chain (RFC 8617): its result, the domain of the newest seal, and the domains its
   * ARC-Authentication-Results say passed DKIM or DMARC before the mail was changed. */
  readonly arc: {
    readonly result: string;
    readonly sealer: string | null;
    readonly vouched: readonly string[];
  };
  /** Each patatt/b4 signature (X-Developer-Signature): its identity (i=), algorithm and result:
   * pass, badsig (does not verify), nokey (no key in the keyring), unsupported, error. */
  readonly attestation: readonly {
    readonly identity: string;
    readonly algorithm: string;
    readonly result: 'pass' | 'badsig' | 'nokey' | 'unsupported' | 'error';
  }[];
  /** A check failed for a reason that may pass later (DNS did not answer): verified again later
   * under `require` (app/intake/recheck.ts). */
  readonly temporary: boolean;
  /** How many times the mail was verified again after a temporary verdict; absent when never. */
  readonly rechecks?: number;
  /** When a temporary verdict was last checked (ISO 8601), for the backoff of the next check. */
  readonly checkedAt?: string;
}

export type AuthOutcome =
  { readonly ok: true; readonly by: string } | { readonly ok: false; readonly reason: string };

/**
 * Whether a mail proves its From: address: a patatt/b4 signature by that address with a key from
 * the keyring, a DKIM signature aligned with its domain, or an ARC chain sealed by one of
 * `arcSealers` that recorded such a DKIM or DMARC pass before the mail was changed (a list footer).
 * A mail never verified (`null`) proves nothing. Pure.
 */
export function authenticates(v: Authenticity | null, arcSealers: readonly string[]): AuthOutcome {
  if (v === null) return { ok: false, reason: 'it was not verified when it came in' };
  const fromDomain = v.from.slice(v.from.lastIndexOf('@') + 1);
  const signed = v.attestation.find((a) => a.result === 'pass' && a.identity.toLowerCase() === v.from);
  if (signed) return { ok: true, by: `a ${signed.algorithm} developer signature of ${signed.identity}` };
  const dkim = v.dkim.find((d) => d.result === 'pass' && d.aligned);
  if (dkim) return { ok: true, by: `a DKIM signature of ${dkim.domain}` };
  const sealer = v.arc.sealer;
  if (
    v.arc.result === 'pass' &&
    sealer !== null &&
    arcSealers.some((s) => sameOrSub(sealer, s)) &&
    v.arc.vouched.some((d) => aligned(d, fromDomain))
  )
    return { ok: true, by: `the ARC seal of ${sealer}` };
  return { ok: false, reason: whyNot(v, arcSealers) };
}

/** Relaxed alignment without a public-suffix list: one domain is the other or a subdomain of it. */
export function aligned(a: string, b: string): boolean {
  return sameOrSub(a, b) || sameOrSub(b, a);
}

function sameOrSub(domain: string, parent: string): boolean {
  const d = domain.toLowerCase();
  const p = parent.toLowerCase();
  return d === p || d.endsWith(`.${p}`);
}

function whyNot(v: Authenticity, arcSealers: readonly string[]): string {
  const parts: string[] = [];
  const attested = v.attestation.filter((a) => a.identity.toLowerCase() === v.from);
  parts.push(
    attested.length > 0
      ? `its developer signature ${attested.map((a) => a.result).join(', ')}`
      : v.attestation.length > 0
        ? `its developer signature is by ${v.attestation.map((a) => a.identity).join(', ')}, not ${v.from}`
        : 'no developer signature',
  );
  parts.push(
    v.dkim.length === 0
      ? 'no DKIM signature'
      : `DKIM ${v.dkim.map((d) => `${d.result} for ${d.domain}${d.result === 'pass' && !d.aligned ? ' (not the From: domain)' : ''}`).join(', ')}`,
  );
  if (v.arc.result !== 'none')
    parts.push(
      v.arc.result === 'pass' && v.arc.sealer && !arcSealers.some((s) => sameOrSub(v.arc.sealer ?? '', s))
        ? `ARC sealed by ${v.arc.sealer}, not a trusted sealer`
        : `ARC ${v.arc.result}`,
    );
  if (v.temporary) parts.push('a check failed for now (DNS; verified again later)');
  else if (v.rechecks && v.dkim.some((d) => d.result === 'temperror'))
    parts.push(`DNS did not answer in ${v.rechecks + 1} tries`);
  return parts.join('; ');
}
