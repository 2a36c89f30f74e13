// Run as a process of its own, beside others like it: for each slot k from 0 to SLOTS - 1, opens
// the state database DIR/slot-k/state.db as patchferry does (its lock included) at the instant
// AT + k * EVERY (ms since the epoch), holds it HOLD ms and closes it. Prints one JSON line: per
// slot, {"from", "to"} while it held the database, {"busy": message} when told another holds it,
// or {"error": stack} for anything else.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PatchferryError, errorMessage } from '../../src/shared/errors.ts';
import { openStore } from '../../src/store/store.ts';

const [dir, at, slots, every, hold] = process.argv.slice(2);
if (!dir || !at || !slots || !every || !hold)
  throw new Error('usage: hold-database.ts DIR AT SLOTS EVERY HOLD');
const results: ({ from: number; to: number } | { busy: string } | { error: string })[] = [];
for (let k = 0; k < Number(slots); k++) {
  const instant = Number(at) + k * Number(every);
  await sleep(Math.max(0, instant - Date.now() - 5));
  // The last milliseconds spinning: every process leaves the wait in the same instant.
  while (Date.now() < instant);
  try {
    const store = openStore(join(dir, `slot-${k}`, 'state.db'));
    const from = Date.now();
    await sleep(Number(hold));
    const to = Date.now();
    store.close();
    results.push({ from, to });
  } catch (err) {
    if (err instanceof PatchferryError && err.code === 'database_busy') results.push({ busy: err.message });
    else results.push({ error: err instanceof Error ? (err.stack ?? err.message) : errorMessage(err) });
  }
}
process.stdout.write(`${JSON.stringify({ pid: process.pid, results })}\n`);
