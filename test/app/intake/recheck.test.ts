import { describe, expect, it } from 'vitest';
import { sync } from '../../../src/app/stages.ts';
import { RECHECKS } from '../../../src/app/intake/recheck.ts';
import { silentLogger } from '../../../src/shared/log.ts';
import type { DnsResolver } from '../../../src/verify/dns.ts';
import { mailVerifier } from '../../../src/verify/index.ts';
import { fakeDeps } from '../../fakes/deps.ts';
import { patchMail } from '../../fakes/source.ts';
import { TestZone, dkimSigned } from '../../helpers/dkim.ts';

const MINUTE = 60_000;

/** require, with the real verifier asking `zone` (counted), and one DKIM-signed patch of Ada's. */
async function heldByDns() {
  const zone = new TestZone();
  const key = zone.key('example.org');
  let asked = 0;
  const resolver: DnsResolver = (name, rrtype) => {
    asked++;
    return zone.resolver(name, rrtype);
  };
  const w = fakeDeps({
    config: { trust: { authenticity: 'require' } },
    authenticator: mailVerifier({ resolver, keyring: null, log: silentLogger() }),
  });
  w.source.add(
    await dkimSigned(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }), 'example.org', key),
  );
  zone.down();
  const first = await sync(w.deps);
  return { ...w, zone, first, asked: () => asked };
}

describe('a verdict DNS left open (trust.authenticity: require)', () => {
  it('holds the series for now, verifies its mail again after a backoff, and applies it once DNS answers', async () => {
    const w = await heldByDns();
    expect(w.first.held).toMatchObject([{ series: 'a@x', reason: expect.stringMatching(/for now \(DNS/) }]);
    w.zone.up();
    // Not due yet: the mail is not verified again, the series stays held.
    const early = await sync(w.deps);
    expect(early.held.map((h) => h.series)).toEqual(['a@x']);
    w.clock.advance(10 * MINUTE);
    const again = await sync(w.deps);
    expect(again.held).toEqual([]);
    expect(again.applied.map((a) => a.series)).toEqual(['a@x']);
    expect(w.deps.store.mails.get('a@x')?.authenticity).toMatchObject({ temporary: false, rechecks: 1 });
  });

  it(`gives a final verdict after ${RECHECKS} more tries that DNS does not answer, then asks no more`, async () => {
    const w = await heldByDns();
    for (let i = 0; i < RECHECKS; i++) {
      w.clock.advance(10 * MINUTE * 2 ** i);
      const s = await sync(w.deps);
      expect(s.held.map((h) => h.series)).toEqual(['a@x']);
    }
    const verdict = w.deps.store.mails.get('a@x')?.authenticity;
    expect(verdict).toMatchObject({ temporary: false, rechecks: RECHECKS });
    const asked = w.asked();
    w.clock.advance(24 * 60 * MINUTE);
    const last = await sync(w.deps);
    expect(last.held).toMatchObject([
      {
        series: 'a@x',
        reason: expect.stringMatching(new RegExp(`DNS did not answer in ${RECHECKS + 1} tries`)),
      },
    ]);
    expect(w.asked()).toBe(asked);
  });
});
