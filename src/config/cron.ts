import { Cron } from 'croner';

/** Whether croner (the scheduler's library) reads `pattern` as a cron expression: five fields, or six
 * with seconds first, with its usual extensions (`L`, `#`, `?`, names of months and weekdays). */
export function isCronPattern(pattern: string): boolean {
  try {
    new Cron(pattern, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}

/** Whether the runtime knows `zone` as an IANA time zone. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
