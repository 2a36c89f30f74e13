import { isIP } from 'node:net';

/**
 * Whether a request's `Host` names this console, so that a page of another site whose name was made
 * to resolve to 127.0.0.1 (DNS rebinding) cannot drive it from the browser of someone on this
 * machine: the loopback names (`localhost` and its subdomains, 127.0.0.0/8, `[::1]`), the address
 * the daemon listens on (`listen`, unless it is a wildcard), or one of `hosts` (console.hosts:
 * `name` or `name:port`). A port in the Host must be `localPort`, the one the request came in on
 * (a `hosts` entry with a port, that port: a reverse proxy's). A missing or unparsable Host is refused.
 */
export function hostAllowed(
  host: string | undefined,
  o: { readonly localPort: number | undefined; readonly listen: string; readonly hosts: readonly string[] },
): boolean {
  const given = parseHost(host);
  if (!given) return false;
  const listed = o.hosts.map(parseHost).filter((h) => h !== null);
  if (listed.some((h) => h.name === given.name && (h.port === null || h.port === given.port))) return true;
  if (given.port !== null && given.port !== o.localPort) return false;
  if (isLoopbackName(given.name)) return true;
  const listen = parseHost(o.listen.includes(':') && isIP(o.listen) === 6 ? `[${o.listen}]` : o.listen);
  return listen !== null && !isWildcard(listen.name) && listen.name === given.name;
}

/** A Host value's name (lower case; an IPv6 address without its brackets) and port, or null. */
function parseHost(value: string | undefined): { name: string; port: number | null } | null {
  const m = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9.-]+))(?::(\d{1,5}))?$/i.exec(value?.trim() ?? '');
  if (!m) return null;
  const name = (m[1] ?? m[2] ?? '').toLowerCase().replace(/\.$/, '');
  if (name === '') return null;
  return { name, port: m[3] === undefined ? null : Number(m[3]) };
}

function isLoopbackName(name: string): boolean {
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  return name === '::1' || /^::ffff:127\./.test(name);
}

function isWildcard(name: string): boolean {
  return name === '0.0.0.0' || name === '::' || name === '';
}
