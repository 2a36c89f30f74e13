import type { ReportMessage } from '../ports/report-message.ts';
import { threadedReply, type AnsweredMail } from './report.ts';

export interface HeldFacts extends AnsweredMail {
  readonly project: string;
  readonly branch: string;
  readonly reason: string;
}

/** The one notice to the sender of a series held for a maintainer (trust.senders, authenticity). */
export function renderHeld(f: HeldFacts): ReportMessage {
  return threadedReply({
    outcome: 'held for a maintainer',
    subject: f.subject,
    messageId: f.messageId,
    references: f.references,
    to: [f.sender.address],
    cc: [],
    lines: [
      `Hello${f.sender.name ? ` ${f.sender.name}` : ''},`,
      '',
      `patchferry received your series for ${f.project} branch ${f.branch}`,
      `  ${f.subject}`,
      `and holds it for a maintainer, because ${f.reason}.`,
      '',
      'Nothing was applied or built. A maintainer of the project can let it go on;',
      'you need not send it again. This notice is sent once.',
    ],
  });
}
