import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeHelloConfig } from '../../helpers/hello-config.ts';
import { scan } from '../../../src/app/intake/scan.ts';
import { sync } from '../../../src/app/stages.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { mboxSource } from '../../../src/ingest/mbox.ts';
import { createContext } from '../../../src/runtime/context.ts';
import { silentLogger } from '../../../src/shared/log.ts';
import { caseMbox, casesAvailable } from '../../helpers/cases.ts';
import { git, makeRepo } from '../../helpers/git.ts';
import { tempDir } from '../../helpers/tmp.ts';

// ../shared/cases/recognition-2: inputs made with git format-patch on a scratch "hello" repository
// (README and hello.c, rebuilt here blob for blob) and hand-written replies; expected.txt has the
// right values these tests assert.
const README = 'hello\n=====\n\nPrints a greeting.\n';
const HELLO_C =
  '#include <stdio.h>\n\nint main(int argc, char **argv)\n{\n  const char *who = "world";\n  printf("hello, %s\\n", who);\n  return 0;\n}\n';
const RITA = 'Reviewed-by: Rita Reviewer <rita@example.org>';

const table = { projects: { hello: { branches: ['master'] } } };

async function scanned(name: string) {
  const file = caseMbox('recognition-2', name);
  return scan([file], table, mboxSource);
}

/** `patchferry sync` over the case's mailbox, read in place, onto a fresh "hello" upstream. */
async function synced(name: string) {
  const dir = tempDir();
  const work = makeRepo(join(dir, 'work'), { README, 'hello.c': HELLO_C });
  const upstream = join(dir, 'hello.git');
  git(dir, ['clone', '-q', '--bare', work, upstream]);
  const config = writeHelloConfig(dir, { git: upstream, mbox: caseMbox('recognition-2', name) });
  const ctx = await createContext(loadConfig(config), silentLogger());
  try {
    const summary = await sync(ctx);
    return { summary, upstream, work };
  } finally {
    ctx.store.close();
  }
}

const lastLines = (upstream: string) =>
  git(upstream, ['log', '-1', '--format=%B', 'master']).trimEnd().split('\n').slice(-2);

describe.runIf(casesAvailable())('recognition, second pass: the cases', () => {
  it('01: a review trailer indented by one space is the reviewer’s own, and is folded in', async () => {
    const doc = await scanned('01-trailer-leading-space');
    expect(Object.values(doc.series[0]!.trailers)).toEqual([[RITA]]);
    const { summary, upstream } = await synced('01-trailer-leading-space');
    expect(summary.applied).toHaveLength(1);
    expect(lastLines(upstream)).toEqual(['Signed-off-by: Ann Author <ann@example.org>', RITA]);
  });

  it('02: a follow-up answering a patch without "Re:" and without a diff is a reply', async () => {
    const doc = await scanned('02-followup-without-re');
    expect(doc.mails.find((m) => m.messageId === 'review-02@example.org')?.kind).toBe('reply');
    const [series] = doc.series;
    expect(series!.replies).toEqual(['review-02@example.org']);
    expect(series!.trailers[series!.patches[1]!]).toEqual([RITA]);
    expect(series!.trailers[series!.patches[0]!]).toEqual([]);
    const { summary, upstream } = await synced('02-followup-without-re');
    expect(summary.applied).toHaveLength(1);
    expect(lastLines(upstream)).toEqual(['Signed-off-by: Ann Author <ann@example.org>', RITA]);
  });

  it('08: a pull request names its repository in every form git fetch accepts', async () => {
    const doc = await scanned('08-pull-request-forms');
    expect(doc.mails.map((m) => [m.pullUrl, m.pullRef])).toEqual([
      ['https://git.example.org/ann/hello.git', 'tags/hello-for-1.1'],
      ['https://git.example.org/ann/hello.git', 'tags/hello-for-1.1'],
      ['git@git.example.org:ann/hello.git', 'tags/hello-for-1.1'],
    ]);
  });

  it('11: a "From doc/usage.txt:" line in a commit message does not cut the mail; applied as git am applies it', async () => {
    const doc = await scanned('11-from-line-in-body');
    expect(doc.mails.map((m) => m.kind)).toEqual(['patch', 'patch']);
    expect(doc.series.map((s) => [s.complete, s.patches.length])).toEqual([[true, 2]]);
    const { summary, upstream, work } = await synced('11-from-line-in-body');
    expect(summary.applied).toHaveLength(1);
    git(work, ['am', '-q', caseMbox('recognition-2', '11-from-line-in-body')]);
    const tree = (dir: string, rev: string) => git(dir, ['rev-parse', `${rev}^{tree}`]).trim();
    expect(tree(upstream, 'master')).toBe(tree(work, 'HEAD'));
    const messages = (dir: string, rev: string) => git(dir, ['log', '-2', '--format=%an <%ae>%n%B', rev]);
    expect(messages(upstream, 'master')).toBe(messages(work, 'HEAD'));
    expect(messages(upstream, 'master')).toContain('\nFrom doc/usage.txt:\n');
  });

  it('14: a trailer wrapped before its address is one trailer, and is folded in', async () => {
    const doc = await scanned('14-wrapped-trailer');
    const wrapped =
      'Reviewed-by: Maximiliane Mustermann-Oberhausen <maximiliane.mustermann-oberhausen@example.org>';
    expect(Object.values(doc.series[0]!.trailers)).toEqual([[wrapped]]);
    const { upstream } = await synced('14-wrapped-trailer');
    expect(lastLines(upstream)).toEqual(['Signed-off-by: Ann Author <ann@example.org>', wrapped]);
  });
});
