import { existsSync, readFileSync } from 'node:fs';

/** A report as a destination got it: the unit key it carries (X-Patchferry-Report) and its Message-ID. */
export interface ReceivedReport {
  readonly key: string;
  readonly messageId: string;
}

/** The reports in raw messages, by their headers (folded lines unfolded). */
export function reportsIn(raws: readonly string[]): ReceivedReport[] {
  return raws.map((raw) => {
    const head = (raw.split(/\r?\n\r?\n/, 1)[0] ?? '').replace(/\r?\n[ \t]+/g, ' ');
    const header = (name: string) => {
      const value = new RegExp(`^${name}: *(.*)$`, 'mi').exec(head)?.[1]?.trim();
      if (!value) throw new Error(`a report without ${name}:\n${head}`);
      return value;
    };
    return { key: header('X-Patchferry-Report'), messageId: header('Message-ID') };
  });
}

/** The messages of the outbox mbox file patchferry appends reports to (none when it is not there). */
export function outboxMessages(path: string): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split(/^From patchferry .*\n/m)
    .filter((m) => m.trim() !== '');
}

/** How many times each key was received beyond its first. */
export function duplicates(reports: readonly ReceivedReport[]): number {
  return reports.length - new Set(reports.map((r) => r.key)).size;
}
