/** Whether `address` is one of `allowed`: an address (`ada@example.org`, compared without case), a
 * whole domain (`example.org` or `@example.org`), or a domain with its subdomains (`*.example.org`).
 * `allowed` absent (null) lets everyone in; an empty list, nobody. Pure. */
export function senderAllowed(address: string, allowed: readonly string[] | null): boolean {
  if (allowed === null) return true;
  const a = address.trim().toLowerCase();
  const at = a.lastIndexOf('@');
  if (at <= 0) return false;
  const domain = a.slice(at + 1);
  return allowed.some((entry) => {
    const e = entry.trim().toLowerCase();
    if (e.startsWith('*.')) return domain.endsWith(e.slice(1)) || domain === e.slice(2);
    if (e.startsWith('@')) return domain === e.slice(1);
    return e.includes('@') ? a === e : domain === e;
  });
}
