import { spawnSync } from 'node:child_process';
import { createSandbox, type Sandbox } from '../../src/build/sandbox.ts';
import type { SandboxLimits } from '../../src/build/sandbox-limits.ts';

/** Limits for the tests' small packages: generous for them, small enough that an escape attempt
 * (a fork bomb, a disk filler) ends in seconds. */
export const TEST_LIMITS: SandboxLimits = {
  cpuSeconds: 60,
  memoryMB: 2048,
  processes: 256,
  fileSizeMB: 16,
  diskMB: 64,
  tmpMB: 32,
};

/** The bubblewrap sandbox every local build in the tests runs in, as in production. */
export function testSandbox(limits: Partial<SandboxLimits> = {}): Sandbox {
  return createSandbox({ kind: 'bwrap', limits: { ...TEST_LIMITS, ...limits }, diskCheckMs: 250 });
}

/** Whether bubblewrap runs here; outside CI its absence skips the test with a line saying why, under
 * CI=true it is an error (ci/setup installs it). */
export function bwrapAvailable(what: string): boolean {
  if (spawnSync('bwrap', ['--ro-bind', '/', '/', 'true']).status === 0) return true;
  if (process.env.CI === 'true')
    throw new Error(`${what} cannot run: bwrap does not run here; ci/setup installs it`);
  console.warn(`${what} skipped: bwrap does not run here (run ci/setup to install it)`);
  return false;
}
