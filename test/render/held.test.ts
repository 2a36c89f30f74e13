import { describe, expect, it } from 'vitest';
import { renderHeld } from '../../src/render/held.ts';
import { renderSeriesReport } from '../../src/render/report.ts';
import { APPLIED, AUDIENCE, seriesFacts } from '../helpers/series-facts.ts';

describe('texts about trust', () => {
  it('tells the sender of a held series why, once, as a threaded reply to them alone', () => {
    const m = renderHeld({
      subject: '[master PATCH hello] add a',
      sender: { name: 'Eve', address: 'eve@example.com' },
      messageId: 'a@x',
      references: [],
      project: 'hello',
      branch: 'master',
      reason: 'eve@example.com is not among the senders allowed for hello (trust.senders)',
    });
    expect(m).toMatchObject({ to: ['eve@example.com'], cc: [], inReplyTo: 'a@x' });
    expect(m.subject).toBe('Re: [master PATCH hello] add a (patchferry: held for a maintainer)');
    expect(m.body).toContain('because eve@example.com is not among the senders allowed for hello');
  });

  it('says in the list report which mails did not prove their sender (authenticity prefer)', () => {
    const m = renderSeriesReport(
      seriesFacts({
        authenticity: ['the patch 1/1 from ada@example.org is not authenticated: no DKIM signature'],
      }),
      APPLIED,
      [],
      AUDIENCE,
    );
    expect(m.body).toContain(
      'Not authenticated (the project prefers proof of the sender):\n  the patch 1/1 from ada@example.org is not authenticated: no DKIM signature',
    );
  });
});
