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

/** Whether a valid cron expression ever fires: "0 3 31 2 *" (31 February) is read fine and never
 * runs, which a scheduler would accept in silence. Croner looks ahead for the next match (years,
 * so 29 February counts) and says null when there is none. */
export function cronFiresEver(pattern: string): boolean {
  try {
    const cron = new Cron(pattern, { paused: true });
    const next = cron.nextRun();
    cron.stop();
    return next !== null;
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
