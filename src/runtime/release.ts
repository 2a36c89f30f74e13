import { existsSync } from 'node:fs';
import type { Config } from '../config/schema.ts';
import type { SeriesRelease } from '../ports/store.ts';
import { ConfigError, PatchferryError } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import { openStore } from '../store/store.ts';

export interface ReleaseOutcome {
  readonly release: SeriesRelease;
  /** False when the mail was released before (`release` is what that first release recorded). */
  readonly recorded: boolean;
  /** Why the series was held. */
  readonly heldBecause: string | null;
}

/**
 * `patchferry release <Message-ID>`: lets one held series through once, without trusting its sender
 * for good: the release is recorded (who, when) and the next run of intake applies the series.
 * `messageId` names the series (its head) or any of its mails, with or without angle brackets. It
 * only adds a row, so it does not take the database's lock: it works beside a running `watch`.
 * Throws a PatchferryError `release_unknown` when no such mail was read, `release_not_held` when
 * the mail is not held.
 */
export function releaseHeld(
  config: Config,
  input: { messageId: string; by: string; now: Date },
  log: Logger,
): ReleaseOutcome {
  if (!existsSync(config.state.database))
    throw new ConfigError('state.database', [
      `no state database at ${config.state.database}: nothing was ever run with this configuration, or state.database names another file`,
    ]);
  const messageId = input.messageId.trim().replace(/^<(.*)>$/, '$1');
  const store = openStore(config.state.database, { lock: false });
  try {
    const mail = store.mails.get(messageId);
    if (!mail)
      throw new PatchferryError(
        'release_unknown',
        `no mail <${messageId}> was read with this configuration; "patchferry sync" lists held series as HELD … <Message-ID>`,
      );
    if (mail.outcome !== 'held') {
      const earlier = store.releases.among([messageId]);
      if (earlier) return { release: earlier, recorded: false, heldBecause: null };
      throw new PatchferryError(
        'release_not_held',
        `<${messageId}> is not held (${mail.outcome ?? mail.state}${mail.reason ? `: ${mail.reason}` : ''}); only a held series can be released`,
      );
    }
    const release: SeriesRelease = { messageId, by: input.by, at: input.now.toISOString() };
    const recorded = store.releases.release(release);
    const kept = recorded ? release : (store.releases.among([messageId]) ?? release);
    log.info(
      { messageId, releasedBy: kept.by, releasedAt: kept.at, heldBecause: mail.reason },
      'held series released',
    );
    return { release: kept, recorded, heldBecause: mail.reason };
  } finally {
    store.close();
  }
}
