import { describe, expect, it } from 'vitest';
import { noReplyReason, replyFacts, type ReplyContext } from '../../src/trust/backscatter.ts';
import { rawMail } from '../helpers/mail.ts';

const live: ReplyContext = {
  ourLists: ['list@example.org', 'qemu-devel.nongnu.org', 'libvirt@lists.example.net'],
  historySince: null,
  unauthenticated: null,
};

function why(headers: Record<string, string>, ctx: ReplyContext = live): string | null {
  return noReplyReason(
    replyFacts(rawMail({ From: 'Ada <ada@example.org>', Subject: 'x', ...headers }, 'hi\n')),
    ctx,
  );
}

describe('replies that must not be sent (backscatter)', () => {
  it('answers an ordinary mail from a person', () => {
    expect(why({})).toBeNull();
    expect(why({ 'Auto-Submitted': 'no' })).toBeNull();
  });

  it('does not answer mail with Auto-Submitted other than no', () => {
    expect(why({ 'Auto-Submitted': 'auto-replied' })).toMatch(/Auto-Submitted: auto-replied/);
    expect(why({ 'Auto-Submitted': 'auto-generated; owner-email="x@example.org"' })).toMatch(
      /auto-generated/,
    );
  });

  it('does not answer Precedence bulk, junk or list from another list, but does from its own list', () => {
    expect(why({ Precedence: 'bulk' })).toMatch(/Precedence: bulk/);
    expect(why({ Precedence: 'junk' })).toMatch(/Precedence: junk/);
    expect(why({ Precedence: 'list', 'List-Id': '<other.example.net>' })).toMatch(/another list/);
    expect(why({ Precedence: 'list', 'List-Id': 'The list <list.example.org>' })).toBeNull();
    expect(why({ Precedence: 'list', 'List-Post': '<mailto:list@example.org>' })).toBeNull();
    // A project's own lists (projects.<p>.lists: List-Id values or addresses) are ours too.
    expect(why({ Precedence: 'list', 'List-Id': 'QEMU <qemu-devel.nongnu.org>' })).toBeNull();
    expect(why({ Precedence: 'list', 'List-Id': '<libvirt.lists.example.net>' })).toBeNull();
    expect(why({ Precedence: 'list', 'List-Post': '<mailto:libvirt@lists.example.net>' })).toBeNull();
    expect(why({ Precedence: 'list', 'List-Id': '<qemu-stable.nongnu.org>' })).toMatch(/another list/);
  });

  it('does not answer a bounce: an empty Return-Path', () => {
    expect(why({ 'Return-Path': '<>' })).toMatch(/Return-Path is empty/);
    expect(why({ 'Return-Path': '<ada@example.org>' })).toBeNull();
  });

  it('does not answer MAILER-DAEMON or postmaster', () => {
    expect(why({ From: 'Mail Delivery System <MAILER-DAEMON@mx.example.org>' })).toMatch(/MAILER-DAEMON/i);
    expect(why({ From: 'postmaster@example.org' })).toMatch(/postmaster/);
  });

  it('does not answer mail without a valid From', () => {
    expect(why({ From: 'nobody' })).toMatch(/no valid From/);
    expect(why({ From: '' })).toMatch(/no valid From/);
  });

  it("does not answer patchferry's own reports", () => {
    expect(why({ 'X-Patchferry-Report': 'mail:a@x:rejected' })).toMatch(/own reports/);
  });

  it('does not answer a sender that failed the authenticity policy', () => {
    expect(why({}, { ...live, unauthenticated: 'no DKIM signature' })).toMatch(/not authenticated/);
  });

  it('does not answer history older than the source start, nor undated history, but answers newer mail', () => {
    const history = { ...live, historySince: new Date('2026-06-01T00:00:00Z') };
    expect(why({ Date: 'Mon, 01 Jan 2024 10:00:00 +0000' }, history)).toMatch(/history/);
    expect(why({ Date: 'Tue, 02 Jun 2026 10:00:00 +0000' }, history)).toBeNull();
    const undated = replyFacts(Buffer.from('From: ada@example.org\nSubject: x\n\nhi\n'));
    expect(noReplyReason(undated, history)).toMatch(/history/);
    expect(noReplyReason(undated, live)).toBeNull();
  });
});
