import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/shared/log.ts';
import { authenticates } from '../../src/trust/authenticity.ts';
import { mailVerifier } from '../../src/verify/index.ts';
import { patchMail } from '../fakes/source.ts';
import { TestZone, dkimSigned, throughList } from '../helpers/dkim.ts';

const mail = () => patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' });

function verifier(zone: TestZone) {
  return mailVerifier({ resolver: zone.resolver, keyring: null, log: silentLogger() });
}

describe('DKIM and ARC verification (mailauth, keys from an injected resolver)', () => {
  it('proves the sender with a DKIM signature of the From domain', async () => {
    const zone = new TestZone();
    const signed = await dkimSigned(mail(), 'example.org', zone.key('example.org'));
    const v = await verifier(zone).verify(signed);
    expect(v).toMatchObject({
      from: 'ada@example.org',
      dkim: [{ domain: 'example.org', result: 'pass', aligned: true }],
    });
    expect(authenticates(v, [])).toEqual({ ok: true, by: 'a DKIM signature of example.org' });
  });

  it('does not take a valid signature of another domain as proof of the From address (a forged From:)', async () => {
    const zone = new TestZone();
    const signed = await dkimSigned(mail(), 'example.com', zone.key('example.com'));
    const v = await verifier(zone).verify(signed);
    expect(v.dkim).toEqual([{ domain: 'example.com', result: 'pass', aligned: false }]);
    expect(authenticates(v, [])).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not the From: domain/),
    });
  });

  it('fails a signed mail whose body was changed, and a mail without a signature', async () => {
    const zone = new TestZone();
    const signed = await dkimSigned(mail(), 'example.org', zone.key('example.org'));
    const changed = Buffer.from(signed.toString().replace('+x', '+rm -rf /'));
    const v = await verifier(zone).verify(changed);
    expect(v.dkim[0]?.result).not.toBe('pass');
    expect(authenticates(v, []).ok).toBe(false);
    const unsigned = await verifier(zone).verify(mail());
    expect(unsigned.dkim).toEqual([]);
    expect(authenticates(unsigned, [])).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/no DKIM signature/),
    });
  });

  it('marks the verdict temporary when DNS does not answer', async () => {
    const zone = new TestZone();
    const signed = await dkimSigned(mail(), 'example.org', zone.key('example.org'));
    zone.down();
    const v = await verifier(zone).verify(signed);
    expect(v.temporary).toBe(true);
    expect(authenticates(v, []).ok).toBe(false);
  });

  it('proves the sender through the ARC seal of a trusted list server that changed the mail, and only a trusted one', async () => {
    const zone = new TestZone();
    const signed = await dkimSigned(mail(), 'example.org', zone.key('example.org'));
    const listed = await throughList(signed, {
      sealer: 'lists.example.net',
      privateKey: zone.key('lists.example.net'),
      sawDkimOf: 'example.org',
    });
    const v = await verifier(zone).verify(listed);
    expect(v.dkim[0]?.result).not.toBe('pass');
    expect(v.arc).toEqual({ result: 'pass', sealer: 'lists.example.net', vouched: ['example.org'] });
    expect(authenticates(v, ['lists.example.net'])).toEqual({
      ok: true,
      by: 'the ARC seal of lists.example.net',
    });
    expect(authenticates(v, [])).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not a trusted sealer/),
    });
  });
});
