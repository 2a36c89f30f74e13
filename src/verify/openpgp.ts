import { readKey, readMessage, verify } from 'openpgp';

/**
 * Verifies a patatt openpgp developer signature: `signedMessage` is what `gpg -s` made of the
 * SHA-256 digest patatt signs (an OpenPGP signed message, usually compressed; b= in base64), checked
 * with `armoredKey` (the keyring file's ASCII-armored public key) by the openpgp package, and its
 * content compared with `digest`. 'nokey' when the signature is by another key than the keyring's.
 */
export async function verifyOpenpgp(
  signedMessage: Buffer,
  digest: Buffer,
  armoredKey: string,
): Promise<'pass' | 'badsig' | 'nokey' | 'error'> {
  let key;
  try {
    key = await readKey({ armoredKey });
  } catch {
    return 'error';
  }
  let message;
  try {
    message = await readMessage({ binaryMessage: signedMessage });
  } catch {
    return 'badsig';
  }
  try {
    const { data, signatures } = await verify({ message, verificationKeys: key, format: 'binary' });
    const [signature] = signatures;
    if (!signature) return 'badsig';
    if (!key.getKeyIDs().some((id) => id.equals(signature.keyID))) return 'nokey';
    await signature.verified;
    return Buffer.from(data).equals(digest) ? 'pass' : 'badsig';
  } catch {
    return 'badsig';
  }
}
