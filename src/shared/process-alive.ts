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
