import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { composeReport } from './compose.ts';
import type { ReportMessage } from './message.ts';
import type { Notifier } from './notifier.ts';

/** Appends reports to an mbox file (mboxrd quoting), where any mail client or `git am` can read them. */
export function outboxNotifier(opts: { path: string; from: string }): Notifier {
  return {
    name: `outbox:${opts.path}`,
    async send(key: string, message: ReportMessage) {
      const raw = (await composeReport(key, message, { from: opts.from }))
        .toString('utf8')
        .replace(/\r\n/g, '\n');
      const quoted = raw.replace(/^(>*From )/gm, '>$1');
      await mkdir(dirname(opts.path), { recursive: true });
      await appendFile(
        opts.path,
        `From patchferry ${new Date().toUTCString()}\n${quoted}${quoted.endsWith('\n') ? '' : '\n'}\n`,
      );
    },
  };
}
