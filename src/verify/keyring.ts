import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The public key of `identity` in a patatt keyring directory: `<keyring>/<type>/<domain>/<local>/<selector>`,
 * each part lower case and URL-encoded as Python's quote_plus does (so no part can climb out of the
 * keyring), else its privacy-preserving twin `<keyring>/by-hash/<2 hex>/<62 hex>` (SHA-256 of the
 * first path). null when neither exists. Layout from patatt's make_pkey_path / make_byhash_path.
 */
export async function findKey(
  keyring: string,
  type: string,
  identity: string,
  selector: string,
): Promise<string | null> {
  const at = identity.lastIndexOf('@');
  if (at <= 0) return null;
  const parts = [type, identity.slice(at + 1), identity.slice(0, at), selector].map((p) =>
    quotePlus(p.toLowerCase()),
  );
  const keypath = parts.join('/');
  const hash = createHash('sha256').update(keypath).digest('hex');
  for (const path of [join(keyring, ...parts), join(keyring, 'by-hash', hash.slice(0, 2), hash.slice(2))]) {
    try {
      return await readFile(path, 'utf8');
    } catch {
      // not there: the next place, or no key
    }
  }
  return null;
}

/** Python's urllib.parse.quote_plus: letters, digits and _.-~ stay; a space is +; the rest %XX. */
function quotePlus(s: string): string {
  return [...Buffer.from(s, 'utf8')]
    .map((b) => {
      const c = String.fromCharCode(b);
      if (/[A-Za-z0-9_.~-]/.test(c)) return c;
      if (c === ' ') return '+';
      return `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}
