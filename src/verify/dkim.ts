import { arc } from 'mailauth/lib/arc/index.js';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import type { Authenticity } from '../trust/authenticity.ts';
import { aligned } from '../trust/authenticity.ts';
import type { DnsResolver } from './dns.ts';

/**
 * The DKIM signatures (RFC 6376) and the ARC chain (RFC 8617) of a raw message, by mailauth; DNS is
 * asked through `resolver` for the keys only. SPF and DMARC are left out: there is no SMTP session
 * to check, and alignment with From is judged by trust/authenticity.ts.
 */
export async function verifyDkimAndArc(
  raw: Buffer,
  resolver: DnsResolver,
): Promise<Pick<Authenticity, 'from' | 'dkim' | 'arc' | 'temporary'>> {
  const checked = await dkimVerify(raw, { resolver });
  const from = (checked.headerFrom[0] ?? '').toLowerCase();
  const fromDomain = from.slice(from.lastIndexOf('@') + 1);
  const dkim = checked.results
    .filter((r) => r.signingDomain)
    .map((r) => ({
      domain: String(r.signingDomain).toLowerCase(),
      result: r.status.result,
      aligned: fromDomain !== '' && aligned(String(r.signingDomain), fromDomain),
    }));
  const chain = await arcOf(checked, resolver);
  const temporary = dkim.some((d) => d.result === 'temperror') || chain.temporary;
  return { from, dkim, arc: chain.arc, temporary };
}

async function arcOf(
  checked: Awaited<ReturnType<typeof dkimVerify>>,
  resolver: DnsResolver,
): Promise<{ arc: Authenticity['arc']; temporary: boolean }> {
  const data = (checked as { arc?: Parameters<typeof arc>[0] }).arc;
  if (!data) return { arc: { result: 'none', sealer: null, vouched: [] }, temporary: false };
  const a = await arc(data, { resolver });
  if (a.status.result === 'none')
    return { arc: { result: 'none', sealer: null, vouched: [] }, temporary: false };
  const sealer = a.signature ? String(a.signature.signingDomain ?? '').toLowerCase() || null : null;
  const recorded = (a.authenticationResults ?? {}) as {
    dkim?: { result?: string; header?: { i?: string; d?: string } }[];
    dmarc?: { result?: string; header?: { from?: string } };
  };
  const vouched = [
    ...(recorded.dkim ?? [])
      .filter((d) => d.result === 'pass')
      .map((d) => (d.header?.d ?? d.header?.i ?? '').replace(/^.*@/, '').toLowerCase()),
    ...(recorded.dmarc?.result === 'pass' && recorded.dmarc.header?.from
      ? [recorded.dmarc.header.from.toLowerCase()]
      : []),
  ].filter((d) => d !== '');
  return {
    arc: { result: a.status.result, sealer, vouched },
    temporary: /temperror|DNS failure/i.test(a.status.comment ?? ''),
  };
}
