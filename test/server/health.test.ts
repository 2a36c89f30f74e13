import { describe, expect, it } from 'vitest';
import type { MailSource } from '../../src/ports/mail-source.ts';
import { readiness } from '../../src/server/health.ts';
import { fakeDeps } from '../fakes/deps.ts';

/** A mailbox that says whether it holds its connection, as an IMAP source does. */
function mailbox(connected: () => boolean): MailSource {
  return {
    name: 'imap:list@127.0.0.1/INBOX',
    read: async function* () {},
    settle: () => Promise.resolve(),
    watch: () => null,
    connected,
    close: () => Promise.resolve(),
  };
}

describe('/readyz', () => {
  it('is ready with every mailbox connected, a writable database and a queue that moves', () => {
    let up = true;
    const { deps } = fakeDeps();
    const ctx = { ...deps, sources: [mailbox(() => up)] };
    const now = Date.parse('2026-11-29T12:00:00Z');
    expect(readiness({ ctx, lastProgress: () => now }, now)).toMatchObject({
      ready: true,
      checks: { mailboxes: [{ connected: true }], database: { ok: true }, queue: { ok: true } },
    });
    up = false;
    expect(readiness({ ctx, lastProgress: () => now }, now)).toMatchObject({
      ready: false,
      checks: { mailboxes: [{ connected: false }] },
    });
  });

  it('says the queue is stuck when a unit waits past a lease while no worker moves, and not while one runs', () => {
    const { deps } = fakeDeps();
    const lease = deps.config.work.leaseSeconds * 1000;
    const due = Date.parse('2026-11-29T12:00:00Z');
    deps.store.work.enqueue({ kind: 'mail', key: 'mail:x', payload: {}, notBefore: due });
    const later = due + lease + 1000;
    // A worker ended a unit a moment ago: busy, not stuck.
    expect(readiness({ ctx: deps, lastProgress: () => later - 1000 }, later).checks.queue.ok).toBe(true);
    // Nothing moved for longer than a lease and the unit still waits.
    const stuck = readiness({ ctx: deps, lastProgress: () => due }, later);
    expect(stuck.ready).toBe(false);
    expect(stuck.checks.queue).toMatchObject({
      ok: false,
      oldestDueSeconds: (lease + 1000) / 1000,
      running: 0,
    });
    // A unit running (a long build) is work being done.
    deps.store.work.claim(['mail'], later, { holder: 'w', leaseUntil: later + lease });
    deps.store.work.enqueue({ kind: 'mail', key: 'mail:y', payload: {}, notBefore: due });
    expect(readiness({ ctx: deps, lastProgress: () => due }, later).checks.queue.ok).toBe(true);
  });
});
