import { describe, expect, it } from 'vitest';
import { composeReport } from '../../src/notify/compose.ts';
import { renderRejection } from '../../src/render/report.ts';

const long = 'x'.repeat(2000);

describe('what patchferry writes from names and subjects outsiders chose', () => {
  it('folds or cuts a display name or subject with newlines or over 998 characters in every header and body line', async () => {
    // A reply to a sender whose name and subject were made to break headers.
    const message = renderRejection({
      subject: `[PATCH] hi\r\nBcc: victim@example.org ${long}`,
      sender: { name: `Evil\r\nBcc: victim@example.org ${long}`, address: 'evil@example.org' },
      messageId: 'm1@example.org',
      references: [],
      reason: 'repository "qemu" is not known here (known: hello)',
    });
    const raw = (
      await composeReport('mail:m1@example.org:rejected', message, { from: 'pf <pf@example.org>' })
    ).toString();
    const lines = raw.split('\r\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(998);
    const headers = lines.slice(0, lines.indexOf(''));
    expect(headers.filter((l) => /^bcc:/i.test(l))).toEqual([]);
    expect(headers.filter((l) => /^[A-Za-z-]+:/.test(l)).map((l) => l.split(':')[0])).not.toContain('Bcc');
    expect(headers.find((l) => l.startsWith('To:'))).toBe('To: evil@example.org');
    expect(headers.some((l) => l.startsWith('Subject: =?UTF-8?Q?Re=3A_=5BPATCH=5D_hi_Bcc'))).toBe(true);
    // In the body too, the name and the subject are one line each, cut short.
    const body = lines.slice(lines.indexOf('') + 1);
    expect(body[0]).toMatch(/^Hello Evil Bcc: victim@example\.org x+=$/);
    expect(body.filter((l) => l.startsWith('Bcc:'))).toEqual([]);
    expect(raw.length).toBeLessThan(5000);
  });

  it('sends to exactly one address per recipient, whatever the name says', async () => {
    const raw = (
      await composeReport(
        'k',
        {
          to: ['group: a@example.org, b@example.org; <c@example.org>'],
          cc: ['not an address'],
          subject: 's',
          body: 'b',
          inReplyTo: null,
          references: [],
        },
        { from: 'pf <pf@example.org>' },
      )
    ).toString();
    const to = raw.split('\r\n').find((l) => l.startsWith('To:'));
    expect(to).toMatch(/<c@example\.org>$/);
    expect(to).not.toContain('a@example.org>');
    expect(raw).not.toMatch(/^Cc:/m);
  });
});
