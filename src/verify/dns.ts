import { Resolver } from 'node:dns/promises';

/** What mailauth asks DNS: TXT records (DKIM and ARC keys, DMARC), as node's resolve does. */
export type DnsResolver = (name: string, rrtype: string) => Promise<string[][] | string[]>;

/** The system's resolver, each lookup bounded by `timeoutMs` so a dead DNS server cannot hold up
 * the reading of a mailbox (the verdict is then `temporary`). */
export function systemResolver(timeoutMs = 5000): DnsResolver {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 2 });
  return (name, rrtype) => resolver.resolve(name, rrtype) as Promise<string[][] | string[]>;
}
