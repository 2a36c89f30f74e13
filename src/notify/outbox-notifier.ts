import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { composeReport } from './compose.ts';
import type { ReportMessage } from '../ports/report-message.ts';
import type { Notifier } from '../ports/notifier.ts';

/** Appends reports to an mbox file (mboxrd quoting), where any mail client or `git am` can read them. */
export function outboxNotifier(opts: { path: string; from: string }): Notifier {
  const name = `outbox:${opts.path}`;
  return {
    name,
    destinations: () => [name],
    async send(key: string, message: ReportMessage) {
      const raw = (await composeReport(key, message, { from: opts.from }))
        .toString('utf8')
        .replace(/\r\n/g, '\n');
      const quoted = raw.replace(/^(>*From )/gm, '>$1');
      await mkdir(dirname(opts.path), { recursive: true });
      await appendFile(
        opts.path,
        `From patchferry ${asctime(new Date())}\n${quoted}${quoted.endsWith('\n') ? '' : '\n'}\n`,
      );
    },
  };
}

/** The date of an mbox From_ line, in asctime form ("Tue Nov 24 15:40:00 2026"), in UTC. */
function asctime(d: Date): string {
  const [day, , , year, time] = d.toUTCString().replace(',', '').split(' ');
  const month = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  return `${day} ${month} ${String(d.getUTCDate()).padStart(2, ' ')} ${time} ${year}`;
}
