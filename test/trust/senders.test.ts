import { describe, expect, it } from 'vitest';
import { senderAllowed } from '../../src/trust/senders.ts';

describe('trust.senders', () => {
  it('lets everyone in when no list is configured, and nobody when the list is empty', () => {
    expect(senderAllowed('ada@example.org', null)).toBe(true);
    expect(senderAllowed('ada@example.org', [])).toBe(false);
  });

  it('matches an address without regard to case', () => {
    expect(senderAllowed('Ada@Example.org', ['ada@example.org'])).toBe(true);
    expect(senderAllowed('eve@example.org', ['ada@example.org'])).toBe(false);
  });

  it('matches a whole domain written bare or with @, but not its subdomains or look-alikes', () => {
    expect(senderAllowed('ada@example.org', ['example.org'])).toBe(true);
    expect(senderAllowed('ada@example.org', ['@example.org'])).toBe(true);
    expect(senderAllowed('ada@lab.example.org', ['example.org'])).toBe(false);
    expect(senderAllowed('ada@badexample.org', ['example.org'])).toBe(false);
  });

  it('matches a domain and its subdomains with *.', () => {
    expect(senderAllowed('ada@lab.example.org', ['*.example.org'])).toBe(true);
    expect(senderAllowed('ada@example.org', ['*.example.org'])).toBe(true);
    expect(senderAllowed('ada@badexample.org', ['*.example.org'])).toBe(false);
  });

  it('refuses a sender without a valid address', () => {
    expect(senderAllowed('', ['example.org'])).toBe(false);
    expect(senderAllowed('example.org', ['example.org'])).toBe(false);
  });
});
