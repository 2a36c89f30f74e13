import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mboxSource } from '../../src/ingest/mbox.ts';
import type { Mail } from '../../src/mail/mail.ts';
import { parseMail } from '../../src/mail/parse.ts';
import { assembleSeries } from '../../src/series/assemble.ts';
import { KeptStrings, keptForAssembly } from '../../src/series/kept.ts';
import { orderedPatches, type Series } from '../../src/series/series.ts';
import { corporaAvailable, corporaDir } from '../helpers/corpora.ts';

const available = corporaAvailable();

async function parsed(raws: string[]): Promise<Mail[]> {
  return Promise.all(raws.map((raw) => parseMail(Buffer.from(raw))));
}

function described(series: readonly Series[]) {
  return series.map((s) => ({
    id: s.id,
    title: s.title,
    version: s.version,
    complete: s.complete,
    cover: s.cover?.messageId ?? null,
    patches: orderedPatches(s).map((m) => m.messageId),
    replies: s.replies.map((m) => m.messageId),
    extras: s.extras.map((m) => m.messageId),
    replaced: s.replaced.map((m) => m.messageId),
    supersedes: s.supersedes,
    refused: s.refused,
    trailers: [...s.trailers].map(([id, list]) => [id, list.map((t) => `${t.key}: ${t.value}`)]),
    // No fingerprint: it is made of the diffs, which are not kept (where content matters, sync
    // assembles whole mails).
  }));
}

describe('what assembly keeps of a mail', () => {
  it('keeps no text, diff, recipients or List-Id, and one copy of a sender and of a tag repeated', async () => {
    const mails = await parsed(
      [1, 2].map(
        (n) =>
          `Message-ID: <p${n}@x>\nIn-Reply-To: <c@x>\nFrom: Ada <ada@x>\nTo: list@x\nList-Id: <list.x>\n` +
          `Subject: [PATCH v2 ${n}/2] part ${n}\n\nReviewed-by: Bo <bo@x>\n---\ndiff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+${n}\n`,
      ),
    );
    const strings = new KeptStrings();
    const [one, two] = mails.map((m) => keptForAssembly(m, strings));
    for (const left of ['text', 'diff', 'recipients', 'listId']) expect(one).not.toHaveProperty(left);
    expect(two!.from).toBe(one!.from);
    expect(two!.tag.prefixes).toBe(one!.tag.prefixes);
    expect(one).toMatchObject({ messageId: 'p1@x', inReplyTo: 'c@x', references: [], kind: 'patch' });
    expect(one!.trailers).toEqual([{ key: 'Reviewed-by', value: 'Bo <bo@x>', address: 'bo@x' }]);
  });

  it.skipIf(!available)(
    'assembles a month of a real list (kbuild, March 2025) exactly as the whole mails do',
    async () => {
      const mails: Mail[] = [];
      for await (const m of mboxSource(join(corporaDir(), 'kbuild', 'linux-kbuild-2025-03.mbox')).read(null))
        mails.push(await parseMail(m.raw));
      const strings = new KeptStrings();
      const whole = described(assembleSeries(mails));
      expect(whole.length).toBeGreaterThan(50);
      expect(described(assembleSeries(mails.map((m) => keptForAssembly(m, strings))))).toEqual(whole);
    },
  );
});
