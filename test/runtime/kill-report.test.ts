import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { KillWindow, runPatchferry } from '../helpers/kill.ts';
import { makeMboxWorld } from '../helpers/mbox-world.ts';
import { duplicates, outboxMessages, reportsIn, type ReceivedReport } from '../helpers/reports.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { tempDir } from '../helpers/tmp.ts';

describe('report, whatever kills the process', () => {
  let smtp: SmtpSink | undefined;
  afterEach(async () => {
    await smtp?.close();
  });

  it('delivers every report to the SMTP server and to the outbox file, again only where a SIGKILL fell between a send and its record, and always with the same Message-ID', async () => {
    // A sending waits a little at the server, so that kills also land inside sendings; some of them
    // after the server kept the mail but before the client heard so: a duplicate a kill explains.
    smtp = await startSmtpSink({ delayMs: 10, replyDelayMs: 20 });
    const world = makeMboxWorld(tempDir(), { smtpPort: smtp.port });
    const config = ['--config', world.configFile];
    // One attempt in three is refused for now: the mail is retried, and the outbox must not get it again.
    smtp.refuse = (n) => n % 3 === 0;

    const window = new KillWindow(2500);
    // report has nothing to send yet: it takes what any stage takes to start and stop.
    window.idle(await runPatchferry(['report', ...config]));
    const received = () => ({
      outbox: reportsIn(outboxMessages(world.outbox)),
      smtp: reportsIn(smtp?.received ?? []),
    });
    const duplicated = (r: { outbox: ReceivedReport[]; smtp: ReceivedReport[] }) =>
      duplicates(r.outbox) + duplicates(r.smtp);
    let kills = 0;
    // Duplicates seen after each run, beside the kills so far: a kill explains one duplicate at most.
    const tally: { kills: number; duplicates: number }[] = [];
    for (let round = 0; round < 10; round++) {
      world.rejected(6);
      const synced = await runPatchferry(['sync', ...config]);
      expect(synced.stderr).toBe('');
      expect(synced.code).toBe(0);
      const before = received();
      const killAfterMs = window.next();
      const run = await runPatchferry(['report', ...config], { killAfterMs });
      if (run.killed) kills++;
      else window.finished(run);
      const after = received();
      tally.push({ kills, duplicates: duplicated(after) });
      console.log(
        `kill-report round ${round}: SIGKILL at ${killAfterMs} ms, ${run.killed ? 'killed' : `finished first (${run.ms} ms, exit ${run.code})`}; ` +
          `+${after.outbox.length - before.outbox.length} outbox, +${after.smtp.length - before.smtp.length} SMTP, ${duplicated(after)} duplicate(s) so far`,
      );
    }
    // Retries wait up to 0.2 s (the world's work settings): the last run finds them due.
    await new Promise((r) => setTimeout(r, 300));
    smtp.refuse = () => false;
    const last = await runPatchferry(['report', ...config]);
    expect(last.stderr).toBe('');
    expect(last.code).toBe(0);
    expect(kills).toBeGreaterThan(0);

    const db = new DatabaseSync(world.database, { readOnly: true });
    let keys: string[];
    try {
      keys = db
        .prepare(`SELECT key FROM work WHERE kind = 'mail' ORDER BY key`)
        .all()
        .map((r) => String(r.key));
      expect(
        db.prepare(`SELECT key, state FROM work WHERE kind IN ('mail', 'forge') AND state != 'done'`).all(),
      ).toEqual([]);
      expect(db.prepare('SELECT count(*) AS n FROM deliveries').get()?.n).toBe(keys.length * 2);
    } finally {
      db.close();
    }
    expect(keys).toHaveLength(60);

    const end = received();
    const seen = duplicated(end);
    console.log(
      `kill-report: ${kills} kill(s), ${seen} duplicate(s) (outbox ${duplicates(end.outbox)}, SMTP ${duplicates(end.smtp)}), ${end.smtp.length} SMTP and ${end.outbox.length} outbox deliveries of ${keys.length} reports`,
    );
    for (const [name, got] of Object.entries(end))
      expect(new Set(got.map((r) => r.key)), `every report reached ${name}`).toEqual(new Set(keys));
    // The same report always carries the same Message-ID, wherever and however often it went.
    const ids = new Map<string, Set<string>>();
    for (const r of [...end.outbox, ...end.smtp])
      ids.set(r.key, (ids.get(r.key) ?? new Set()).add(r.messageId));
    expect([...ids].filter(([, set]) => set.size !== 1)).toEqual([]);
    expect(new Set([...ids.values()].map((set) => [...set][0])).size).toBe(keys.length);
    // A duplicate needs a kill between a send and its record: never more of them than kills.
    expect(tally.filter((t) => t.duplicates > t.kills)).toEqual([]);
    expect(seen).toBeLessThanOrEqual(kills);
  }, 240_000); // 22 patchferry processes: about 30 s alone, minutes on a loaded machine
});
