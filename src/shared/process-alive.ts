import { readFileSync } from 'node:fs';

/** Whether a process with this pid exists on this machine (a lock's holder, say): signal 0 asks
 * without sending anything; EPERM means it exists under another user. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A process told apart from a later one given the same pid: when it started (clock ticks since
 * boot) and in which boot. Both are null where the system does not say (no /proc). */
export interface ProcessIdentity {
  readonly pid: number;
  readonly start: string | null;
  readonly boot: string | null;
}

/** This process's identity. */
export function thisProcess(): ProcessIdentity {
  return { pid: process.pid, start: processStart(process.pid), boot: bootId() };
}

/**
 * Whether the process `who` names still runs: its pid is alive, and, as far as they are known on
 * both sides, it started at the same tick of the same boot. A pid alive with another start time or
 * in another boot was reused (after a reboot, a container restart, or pid wrap-around) by a
 * process that is not the one named.
 */
export function sameProcessAlive(who: ProcessIdentity): boolean {
  if (!processAlive(who.pid)) return false;
  if (who.boot !== null) {
    const boot = bootId();
    if (boot !== null && boot !== who.boot) return false;
  }
  if (who.start !== null) {
    const start = processStart(who.pid);
    if (start !== null && start !== who.start) return false;
  }
  return true;
}

/** When a process started, in clock ticks since boot (Linux: field 22 of /proc/<pid>/stat); null
 * when it cannot be read. */
export function processStart(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces and parentheses itself: the
  // fields are counted from the last ')', which is followed by field 3.
  const start = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .at(22 - 3);
  return start !== undefined && /^\d+$/.test(start) ? start : null;
}

/** This boot's random id (Linux); null when it cannot be read. */
export function bootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
  } catch {
    return null;
  }
}
