import { readFileSync } from 'node:fs';

/** Whether a process runs: an exited one is gone, and so is a zombie (state Z in /proc/<pid>/stat),
 * which stays when nobody reaps it, as in containers whose PID 1 does not reap orphans. */
export function running(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Waits until the process is gone, checking every 10 ms; fails after `ms`. A killed process is not
 * gone the instant its parent's output closes: the kernel may still be tearing it down, the more so
 * on a loaded machine, so a check made once can see it alive.
 */
export async function gone(pid: number, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (running(pid)) {
    if (Date.now() > end) throw new Error(`process ${pid} still runs ${ms} ms after it was killed`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
