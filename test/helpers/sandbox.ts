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
