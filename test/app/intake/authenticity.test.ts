import { describe, expect, it } from 'vitest';
import { sync } from '../../../src/app/stages.ts';
import { silentLogger } from '../../../src/shared/log.ts';
import { mailVerifier } from '../../../src/verify/index.ts';
import { fakeDeps } from '../../fakes/deps.ts';
import { patchMail } from '../../fakes/source.ts';
import { TestZone, dkimSigned } from '../../helpers/dkim.ts';
import { queuedMail } from '../../helpers/outbox.ts';

/** fakeDeps with the real verifier, its DNS answered by `zone` (nothing outside is asked). */
function world(authenticity: 'require' | 'prefer', options: { forge?: boolean } = {}) {
  const zone = new TestZone();
  const org = zone.key('example.org');
  const com = zone.key('example.com');
  const fakes = fakeDeps({
    ...options,
    config: { trust: { authenticity } },
    authenticator: mailVerifier({ resolver: zone.resolver, keyring: null, log: silentLogger() }),
  });
  return {
    ...fakes,
    signedByOrg: (raw: Buffer) => dkimSigned(raw, 'example.org', org),
    signedByCom: (raw: Buffer) => dkimSigned(raw, 'example.com', com),
  };
}

function review(o: { id: string; to: string; from: string; address: string }): Buffer {
  return Buffer.from(
    [
      `From: ${o.from} <${o.address}>`,
      'Subject: Re: [master PATCH hello] add a',
      `Message-ID: <${o.id}>`,
      'Date: Sun, 29 Nov 2026 11:00:00 +0000',
      `In-Reply-To: <${o.to}>`,
      `References: <${o.to}>`,
      '',
      `Reviewed-by: ${o.from} <${o.address}>`,
      '',
    ].join('\n'),
  );
}

describe('authenticity of senders (trust.authenticity)', () => {
  it('require: applies a series whose mails carry a DKIM signature of the From domain, verified as they came in', async () => {
    const w = world('require');
    w.source.add(await w.signedByOrg(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' })));
    const s = await sync(w.deps);
    expect(s.applied.map((a) => a.series)).toEqual(['a@x']);
    expect(w.deps.store.mails.get('a@x')?.authenticity?.dkim).toEqual([
      { domain: 'example.org', result: 'pass', aligned: true },
    ]);
  });

  it('require: holds an unsigned series, and does not answer its unproven sender', async () => {
    const w = world('require');
    w.source.add(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }));
    const s = await sync(w.deps);
    expect(s.applied).toEqual([]);
    expect(s.held).toMatchObject([
      {
        series: 'a@x',
        reason: expect.stringMatching(
          /^the patch 1\/1 from ada@example.org is not authenticated: .*no DKIM signature/,
        ),
      },
    ]);
    expect(queuedMail(w.deps.store)).toEqual([]);
  });

  it("require: a part with a forged From: cannot complete someone else's series", async () => {
    const w = world('require');
    w.source.add(
      await w.signedByOrg(
        patchMail({ id: 'c@x', subject: '[master PATCH hello 0/2] two things', file: 'c' }),
      ),
      await w.signedByOrg(
        patchMail({ id: 'p1@x', subject: '[master PATCH hello 1/2] one', inReplyTo: 'c@x' }),
      ),
      // Eve writes Ada's From: and signs with her own domain's key.
      await w.signedByCom(
        patchMail({ id: 'p2@x', subject: '[master PATCH hello 2/2] two', inReplyTo: 'c@x', file: 'evil' }),
      ),
    );
    const s = await sync(w.deps);
    expect(s.applied).toEqual([]);
    expect(s.held).toMatchObject([
      {
        series: 'c@x',
        reason: expect.stringMatching(/^the patch 2\/2 from ada@example.org is not authenticated/),
      },
    ]);
    expect(w.git.applied).toEqual([]);
  });

  it('require: folds in review trailers only from replies that prove their sender', async () => {
    const w = world('require');
    w.source.add(
      await w.signedByOrg(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' })),
      await w.signedByOrg(review({ id: 'r1@x', to: 'a@x', from: 'Bob', address: 'bob@example.org' })),
      review({ id: 'r2@x', to: 'a@x', from: 'Mia', address: 'mia@example.org' }),
    );
    await sync(w.deps);
    expect(w.git.applied[0]?.patches[0]?.trailers).toEqual(['Reviewed-by: Bob <bob@example.org>']);
  });

  it('prefer: applies an unsigned series and says so in the merge request and the report', async () => {
    const w = world('prefer', { forge: true });
    w.source.add(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }));
    const s = await sync(w.deps);
    expect(s.proposed).toHaveLength(1);
    const description = w.forge?.mergeRequests[0]?.description ?? '';
    expect(description).toMatch(
      /> \*\*Not authenticated:\*\* the patch 1\/1 from ada@example.org is not authenticated/,
    );
  });
});
