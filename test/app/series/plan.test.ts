import { describe, expect, it } from 'vitest';
import { planOf } from '../../../src/app/series/plan.ts';
import { parseMail } from '../../../src/mail/parse.ts';
import { assembleSeries } from '../../../src/series/assemble.ts';
import { rawMail } from '../../helpers/mail.ts';

const DIFF = 'diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-one\n+two\n';

describe('the plan of a series', () => {
  it('names a forwarded patch as git am names its commit: by its in-body Subject:', async () => {
    const mail = await parseMail(
      rawMail(
        { From: 'Sam <sam@x>', Subject: '[PATCH] Fwd: a patch for you', 'Message-ID': '<f@x>' },
        `From: Ada <ada@x>\nSubject: [PATCH] a: count to two\n\nWhy.\n---\n${DIFF}`,
      ),
    );
    const [series] = assembleSeries([mail]);
    const plan = planOf(
      series!,
      { repo: 'hello', branch: 'master' },
      [mail],
      new Map([[mail.messageId, mail]]),
    );
    expect(plan.title).toBe('a: count to two');
    expect(plan.patches.map((p) => p.subject)).toEqual(['a: count to two']);
  });
});
