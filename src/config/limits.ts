import { z } from 'zod';
import { bounded } from './bounded.ts';

/** How much mail patchferry takes in: mail is untrusted, so every size and count an outsider
 * controls has a ceiling, and what goes past it is refused with a reason instead of being read. */
export const LIMITS_DEFAULTS = {
  /** A mail larger than this is quarantined unread (10 MiB: far above any real patch). */
  mailBytes: 10 * 1024 * 1024,
  /** `[PATCH 1/N]` with N above this is refused: patchferry would wait for, and list, N parts. */
  partsPerSeries: 100,
  /** The diffs of one series together (20 MiB). */
  diffBytes: 20 * 1024 * 1024,
  /** Parts of incomplete series one sender may have waiting; more are quarantined. */
  pendingPartsPerSender: 200,
  /** Parts of incomplete series waiting in all; more are quarantined. */
  pendingParts: 2000,
  /** Mails one sender may send in an hour before the rest of the hour's are quarantined. */
  mailsPerSenderPerHour: 300,
};

const count = (max: number) =>
  bounded({ min: 1, max, integer: true, expected: `a whole number from 1 to ${max}` });
const GiB = 1024 * 1024 * 1024;

export const limits = z.strictObject({
  mailBytes: bounded({ min: 1024, max: GiB, integer: true, expected: `bytes from 1024 to ${GiB}` }).default(
    LIMITS_DEFAULTS.mailBytes,
  ),
  partsPerSeries: count(10_000).default(LIMITS_DEFAULTS.partsPerSeries),
  diffBytes: bounded({
    min: 1024,
    max: 4 * GiB,
    integer: true,
    expected: `bytes from 1024 to ${4 * GiB}`,
  }).default(LIMITS_DEFAULTS.diffBytes),
  pendingPartsPerSender: count(1_000_000).default(LIMITS_DEFAULTS.pendingPartsPerSender),
  pendingParts: count(10_000_000).default(LIMITS_DEFAULTS.pendingParts),
  mailsPerSenderPerHour: count(1_000_000).default(LIMITS_DEFAULTS.mailsPerSenderPerHour),
});

export type Limits = z.output<typeof limits>;
