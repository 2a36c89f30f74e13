import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeHelloConfig } from '../../helpers/hello-config.ts';
import { sync } from '../../../src/app/stages.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { createContext } from '../../../src/runtime/context.ts';
import { silentLogger } from '../../../src/shared/log.ts';
import { commitFiles, formatPatches, git, makeRepo, uniqueIds } from '../../helpers/git.ts';
import { tempDir } from '../../helpers/tmp.ts';

const FILES = { 'a.c': 'one\ntwo\n', 'b.c': 'one\ntwo\n' };
const TOM = 'Tested-by: Tom Tester <tom@example.org>';
const RITA = 'Reviewed-by: Rita Reviewer <rita@example.org>';

/** A reply to `to`, sent back with the subject unchanged (no "Re:"), giving one trailer. */
function reply(id: string, to: string, from: string, subject: string, trailer: string): string {
  return `From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: ${from}\nSubject: ${subject}\nDate: Fri, 02 Jan 2026 10:00:00 +0000\nMessage-ID: <${id}>\nIn-Reply-To: <${to}>\nReferences: <${to}>\n\n${trailer}\n\n`;
}

const idsOf = (mbox: string) => [...mbox.matchAll(/^Message-ID: <([^>]+)>/gim)].map((m) => m[1] as string);

describe('trailers follow the patch across runs', () => {
  it.each([
    ['in a later run', 'failed'],
    ['in a later run, v1 still waiting for a part', 'incomplete'],
    ['in the same run', 'same'],
  ])(
    'folds reviews given on v1 (its cover letter’s included) into the unchanged patches of v2 applied %s',
    async (_when, v1State) => {
      const dir = tempDir();
      const work = makeRepo(join(dir, 'work'), FILES);
      const upstream = join(dir, 'hello.git');
      git(dir, ['clone', '-q', '--bare', work, upstream]);
      commitFiles(work, 'a: change', { 'a.c': 'one\nTWO\n' });
      commitFiles(work, 'b: change', { 'b.c': 'one\nTWO\n' });
      // v1's part 2 was made against content the branch does not have: v1 does not apply.
      const sent = uniqueIds(
        formatPatches(work, 2, ['--cover-letter', '--subject-prefix=PATCH hello'])
          .map((m) => m.toString())
          .join(''),
      );
      const at = sent.indexOf('diff --git a/b.c');
      const v1 =
        sent.slice(0, at) +
        sent
          .slice(at)
          .replace(/^index \S+/m, 'index 1234567..89abcde')
          .replace(' one\n-two', ' uno\n-two');
      const [cover, , second] = idsOf(v1);
      const mbox = join(dir, 'list.mbox');
      writeFileSync(
        mbox,
        v1 +
          reply(
            'tom@x',
            cover!,
            'Tom Tester <tom@example.org>',
            '[PATCH hello 0/2] *** SUBJECT HERE ***',
            TOM,
          ) +
          reply(
            'rita@x',
            second!,
            'Rita Reviewer <rita@example.org>',
            'Re: [PATCH hello 2/2] b: change',
            RITA,
          ),
      );
      const config = writeHelloConfig(dir, { git: upstream });
      const run = async () => {
        const ctx = await createContext(loadConfig(config), silentLogger());
        try {
          return await sync(ctx);
        } finally {
          ctx.store.close();
        }
      };
      if (v1State !== 'same') expect((await run()).applied).toEqual([]);

      // v2 sends part 1 unchanged and part 2 made right: a changed patch, whose review stays behind.
      git(work, ['reset', '-q', '--hard', 'HEAD~1']);
      commitFiles(work, 'b: change it right', { 'b.c': 'one\nTWO!\n' });
      appendFileSync(
        mbox,
        uniqueIds(
          formatPatches(work, 2, ['--cover-letter', '--subject-prefix=PATCH hello', '-v2'])
            .map((m) => m.toString())
            .join(''),
        ),
      );
      expect((await run()).applied).toHaveLength(1);
      const messages = git(upstream, ['log', '--format=%B%x00', '-2', 'master'])
        .split('\0')
        .map((m) => m.trim())
        .filter(Boolean);
      // Newest first: part 2, changed, without Rita's review of v1; part 1 with Tom's test of v1.
      expect(messages.map((m) => m.split('\n').filter((l) => /-by: /.test(l)))).toEqual([[], [TOM]]);
    },
  );
});
