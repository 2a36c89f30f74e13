import { createHash, createPublicKey, verify } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTool } from '../shared/run.ts';
import type { Authenticity } from '../trust/authenticity.ts';
import { findKey } from './keyring.ts';
import { verifyOpenpgp } from './openpgp.ts';

type Attestation = Authenticity['attestation'][number];

const DEVSIG = 'x-developer-signature';

/**
 * Verifies the patatt/b4 developer signatures of a raw message (`X-Developer-Signature`), as
 * patatt's validate does (github.com/mricon/patatt, format version 1): the message is
 * canonicalised by `git mailinfo --encoding=utf-8 --no-scissors`, the body (message and patch,
 * CRLF line ends) hashed with SHA-256 into bh=, and the signed headers (h=, From and Subject as
 * mailinfo reads them) with the signature header itself up to b= hashed into the digest the
 * signature covers. ed25519 and openpgp keys come from `keyring` (patatt's layout: the raw
 * ed25519 key, or the ASCII-armored OpenPGP public key); openssh signatures are reported
 * `unsupported`. A message without signatures gives an empty list.
 */
export async function verifyAttestation(raw: Buffer, keyring: string | null): Promise<Attestation[]> {
  const message = splitMessage(raw);
  const signatures = message.headers
    .filter((h) => nameOf(h) === DEVSIG)
    .map((h) => parseSignature(valueOf(h)));
  if (signatures.length === 0) return [];
  const canonical = await canonicalise(message);
  const from = canonical.email;
  return Promise.all(
    signatures.map(async (sig): Promise<Attestation> => {
      const identity = (sig.fields.get('i') ?? from).toLowerCase();
      const algorithm = sig.fields.get('a') ?? '';
      const result = await check(sig, identity, canonical, keyring);
      return { identity, algorithm, result };
    }),
  );
}

interface Message {
  /** Raw header fields, continuation lines included, each with its line end. */
  readonly headers: readonly Buffer[];
  readonly separator: Buffer;
  readonly body: Buffer;
}

interface Signature {
  /** The header value canonicalised (relaxed), CRLF at the end. */
  readonly canonical: Buffer;
  readonly fields: ReadonlyMap<string, string>;
}

interface Canonical {
  readonly headers: readonly Buffer[];
  readonly body: Buffer;
  readonly email: string;
}

async function check(
  sig: Signature,
  identity: string,
  canonical: Canonical,
  keyring: string | null,
): Promise<Attestation['result']> {
  const algorithm = sig.fields.get('a') ?? '';
  const type = algorithm.startsWith('ed25519')
    ? 'ed25519'
    : algorithm.startsWith('openpgp')
      ? 'openpgp'
      : null;
  if (type === null) return 'unsupported';
  const signed = (sig.fields.get('h') ?? '').split(':').map((h) => h.trim().toLowerCase());
  if (!signed.includes('from') || !signed.includes('subject')) return 'error';
  // patatt requires t= of ed25519 signatures; an OpenPGP signature carries its own time.
  if (type === 'ed25519' && !sig.fields.get('t')) return 'error';
  const bodyHash = createHash('sha256').update(canonical.body).digest('base64');
  if (sig.fields.get('bh') !== bodyHash) return 'badsig';
  const key = keyring ? await findKey(keyring, type, identity, sig.fields.get('s') ?? 'default') : null;
  if (!key) return 'nokey';
  const cut = sig.canonical.lastIndexOf('b=');
  if (cut < 0) return 'error';
  const digest = createHash('sha256')
    .update(Buffer.concat(signedHeaders(canonical.headers, signed)))
    .update(Buffer.concat([Buffer.from(`${DEVSIG}:`), sig.canonical.subarray(0, cut + 2)]))
    .digest();
  const signedMessage = Buffer.from(sig.fields.get('b') ?? '', 'base64');
  if (type === 'openpgp') return verifyOpenpgp(signedMessage, digest, key);
  // b= is what libsodium's crypto_sign makes: the 64-byte signature followed by the signed digest.
  if (signedMessage.length !== 64 + digest.length) return 'badsig';
  try {
    const publicKey = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(key.trim(), 'base64').toString('base64url') },
      format: 'jwk',
    });
    const body = signedMessage.subarray(64);
    const ok = verify(null, body, publicKey, signedMessage.subarray(0, 64));
    return ok && body.equals(digest) ? 'pass' : 'badsig';
  } catch {
    return 'error';
  }
}

/** The signed headers as DKIM hashes them: for each name in h=, the last field of that name not
 * used yet, "name:value" relaxed; a name the message lacks adds nothing. */
function signedHeaders(headers: readonly Buffer[], names: readonly string[]): Buffer[] {
  const pool = [...headers].reverse().map((h) => ({ name: nameOf(h), value: valueOf(h) }));
  const out: Buffer[] = [];
  for (const name of names) {
    const at = pool.findIndex((h) => h.name === name);
    const found = pool[at];
    if (!found) continue;
    out.push(Buffer.concat([Buffer.from(`${name}:`), relaxed(found.value)]));
    pool.splice(at, 1);
  }
  return out;
}

/** What git mailinfo makes of the message: the body patatt hashes, From and Subject as git reads
 * them, and the sender's address. */
async function canonicalise(message: Message): Promise<Canonical> {
  const dir = await mkdtemp(join(tmpdir(), 'patchferry-patatt-'));
  try {
    const input = Buffer.concat([...message.headers, message.separator, message.body]);
    const { stdout } = await runTool(
      'git',
      ['mailinfo', '--encoding=utf-8', '--no-scissors', join(dir, 'm'), join(dir, 'p')],
      {
        input: Buffer.from(input.toString('latin1').replace(/\r\n/g, '\n'), 'latin1'),
        env: { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', HOME: dir },
        timeoutMs: 30_000,
      },
    );
    const [m, p] = await Promise.all([readFile(join(dir, 'm')), readFile(join(dir, 'p'))]);
    const info = new Map<string, string>();
    for (const line of stdout.replace(/[\r\n]*$/, '').split('\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) info.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
    }
    const lines = Buffer.concat([m, p])
      .toString('latin1')
      .replace(/[\r\n]*$/, '')
      .split('\n');
    const body = Buffer.from(lines.map((l) => `${l.replace(/[\r\n]*$/, '')}\r\n`).join(''), 'latin1');
    const headers = message.headers.map((h) => {
      const name = nameOf(h);
      const colon = h.indexOf(':');
      const left = h.subarray(0, colon);
      if (name === 'from')
        return Buffer.concat([
          left,
          Buffer.from(`: ${info.get('author') ?? ''} <${info.get('email') ?? ''}>`),
        ]);
      if (name === 'subject') return Buffer.concat([left, Buffer.from(`: ${info.get('subject') ?? ''}`)]);
      return h;
    });
    return { headers, body, email: (info.get('email') ?? '').toLowerCase() };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Header fields and body split at the first empty line, as patatt reads a message. */
function splitMessage(raw: Buffer): Message {
  const headers: Buffer[] = [];
  let at = 0;
  while (at < raw.length) {
    const nl = raw.indexOf(0x0a, at);
    const end = nl < 0 ? raw.length : nl + 1;
    const line = raw.subarray(at, end);
    if (line.toString('latin1').trim() === '') return { headers, separator: line, body: raw.subarray(end) };
    const last = headers.length - 1;
    if ((line[0] === 0x20 || line[0] === 0x09) && last >= 0) {
      headers[last] = Buffer.concat([headers[last] as Buffer, line]);
    } else headers.push(line);
    at = end;
  }
  return { headers, separator: Buffer.from('\n'), body: Buffer.alloc(0) };
}

function nameOf(header: Buffer): string {
  const colon = header.indexOf(':');
  return colon < 0 ? '' : header.subarray(0, colon).toString('latin1').trim().toLowerCase();
}

function valueOf(header: Buffer): Buffer {
  const colon = header.indexOf(':');
  return colon < 0 ? Buffer.alloc(0) : header.subarray(colon + 1);
}

/** DKIM's relaxed header canonicalisation as patatt does it: unfolded, runs of white space one
 * space, trimmed, CRLF at the end. (patatt also decodes =?q?…?= words first; patatt's own From and
 * Subject come from mailinfo, already decoded.) */
function relaxed(value: Buffer): Buffer {
  const text = value
    .toString('latin1')
    .replace(/[\r\n]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return Buffer.from(`${text}\r\n`, 'latin1');
}

function parseSignature(value: Buffer): Signature {
  const canonical = relaxed(value);
  const fields = new Map<string, string>();
  for (const chunk of canonical.toString('latin1').replace(/\s+/g, '').split(';')) {
    const eq = chunk.indexOf('=');
    if (eq > 0) fields.set(chunk.slice(0, eq), chunk.slice(eq + 1));
  }
  return { canonical, fields };
}
