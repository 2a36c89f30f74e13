import { describe, expect, it } from 'vitest';
import { composeReport } from '../../src/notify/compose.ts';
import { noReplyReason, replyFacts } from '../../src/trust/backscatter.ts';

describe('composed reports', () => {
  it("carry Auto-Submitted: auto-replied (RFC 3834) and patchferry's marker, so no robot answers them, patchferry included", async () => {
    const raw = await composeReport(
      'mail:a@x:rejected',
      {
        to: ['ada@example.org'],
        cc: [],
        subject: 'Re: x',
        inReplyTo: 'a@x',
        references: ['a@x'],
        body: 'hi\n',
      },
      { from: 'patchferry <patchferry@example.org>' },
    );
    const text = raw.toString();
    expect(text).toMatch(/^Auto-Submitted: auto-replied\r?$/m);
    expect(text).toMatch(/^X-Patchferry-Report: mail:a@x:rejected\r?$/m);
    const why = noReplyReason(replyFacts(raw), {
      ourLists: ['list@example.org'],
      historySince: null,
      unauthenticated: null,
    });
    expect(why).toMatch(/Auto-Submitted: auto-replied/);
  });
});
