import type { Limits } from '../../config/limits.ts';
import type { OpenMailHead } from '../../ports/store.ts';
import type { Series } from '../../series/series.ts';

/**
 * Why a series is refused for its size, or null: more parts than limits.partsPerSeries (a
 * `[PATCH 1/4294967296]` would have patchferry wait for, and list, that many), or diffs larger
 * together than limits.diffBytes (bytes of UTF-8).
 */
export function seriesOverLimit(limits: Limits, series: Series): string | null {
  if (series.total > limits.partsPerSeries)
    return `the series says it has ${series.total} parts, more than limits.partsPerSeries (${limits.partsPerSeries}) allows`;
  // A part numbered past the total is an extra part (patchwork counts `[PATCH 3/2]`), but none
  // numbered past the limit: `[PATCH 99999999999999999999999/2]` is no series anyone sends.
  const last = Math.max(0, ...series.patches.keys());
  if (last > limits.partsPerSeries)
    return `it has a part numbered ${last}, past limits.partsPerSeries (${limits.partsPerSeries})`;
  let bytes = 0;
  for (const m of series.patches.values()) bytes += Buffer.byteLength(m.diff ?? '', 'utf8');
  if (bytes > limits.diffBytes)
    return `the diffs of the series are ${bytes} bytes together, more than limits.diffBytes (${limits.diffBytes}) allows`;
  return null;
}

/** Parts of incomplete series waiting, per sender and in all, as a run finds and adds them. */
export interface PendingCounts {
  /** Why `parts` more waiting parts from `sender` are refused, or null: then they are counted. */
  admit(limits: Limits, sender: string, parts: number): string | null;
}

export function pendingCounts(heads: readonly OpenMailHead[]): PendingCounts {
  const bySender = new Map<string, number>();
  let total = 0;
  for (const h of heads) {
    if (h.state !== 'pending') continue;
    const who = h.sender.toLowerCase();
    bySender.set(who, (bySender.get(who) ?? 0) + 1);
    total++;
  }
  return {
    admit(limits, sender, parts) {
      if (parts === 0) return null;
      const who = sender.toLowerCase();
      const mine = bySender.get(who) ?? 0;
      if (mine + parts > limits.pendingPartsPerSender)
        return `${sender || 'the sender'} already has ${mine} parts of incomplete series waiting; limits.pendingPartsPerSender is ${limits.pendingPartsPerSender}`;
      if (total + parts > limits.pendingParts)
        return `${total} parts of incomplete series are waiting already; limits.pendingParts is ${limits.pendingParts}`;
      bySender.set(who, mine + parts);
      total += parts;
      return null;
    },
  };
}
