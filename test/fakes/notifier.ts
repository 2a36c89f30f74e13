import type { Notifier } from '../../src/ports/notifier.ts';
import type { ReportMessage } from '../../src/ports/report-message.ts';
import { PatchferryError } from '../../src/shared/errors.ts';

/** A destination of mail in memory: what it received, by report key. `failNext` makes the next
 * sends fail as an SMTP server that is down would. */
export class FakeNotifier implements Notifier {
  readonly name: string;
  readonly sent: { key: string; message: ReportMessage }[] = [];
  #failures = 0;

  constructor(name = 'fake:list') {
    this.name = name;
  }

  failNext(times = 1): void {
    this.#failures = times;
  }

  destinations(): string[] {
    return [this.name];
  }

  send(key: string, message: ReportMessage): Promise<void> {
    if (this.#failures > 0) {
      this.#failures--;
      return Promise.reject(new PatchferryError('smtp_failed', `${this.name} is down`, { retryable: true }));
    }
    this.sent.push({ key, message });
    return Promise.resolve();
  }
}
