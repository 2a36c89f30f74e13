import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { publicInboxSource } from '../../src/ingest/public-inbox.ts';
import { sourceForPath } from '../../src/ingest/open-path.ts';
import { git } from '../helpers/git.ts';
import { rawMail } from '../helpers/mail.ts';
import { tempDir } from '../helpers/tmp.ts';

/** Writes an archive the way public-inbox does: one commit per mail with the message in `m`, and a
 * removal as a commit that replaces `m` by `d`. Returns the commit of each step. */
function archive(dir: string, steps: readonly (string | { remove: true })[]): string[] {
  mkdirSync(dir, { recursive: true });
  git(dir, ['init', '-q', '-b', 'master']);
  const commits: string[] = [];
  for (const step of steps) {
    if (typeof step === 'string') {
      rmSync(join(dir, 'd'), { force: true });
      writeFileSync(
        join(dir, 'm'),
        rawMail(
          { From: 'dev@example.org', Subject: step, 'Message-ID': `<${step}@example.org>` },
          `${step}\n`,
        ),
      );
    } else {
      rmSync(join(dir, 'm'), { force: true });
      writeFileSync(join(dir, 'd'), 'removed\n');
    }
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-q', '--allow-empty', '-m', typeof step === 'string' ? step : 'remove']);
    commits.push(git(dir, ['rev-parse', 'HEAD']).trim());
  }
  // Archives are mirrored as bare clones; read the clone, as a mirror would be read.
  const bare = `${dir}.git`;
  git(dir, ['clone', '-q', '--bare', dir, bare]);
  return commits;
}

async function subjects(source: ReturnType<typeof publicInboxSource>, after: string | null = null) {
  const out: { subject: string; position: string }[] = [];
  for await (const m of source.read(after))
    out.push({ subject: /^Subject: (.*)$/m.exec(m.raw.toString())?.[1] ?? '', position: m.position });
  return out;
}

describe('public-inbox archive source', () => {
  it('reads a v1 archive commit by commit, skips removals, and resumes after a commit', async () => {
    const dir = join(tempDir(), 'list');
    const commits = archive(dir, ['one', 'two', { remove: true }, 'three']);
    const source = publicInboxSource(`${dir}.git`);
    const all = await subjects(source);
    expect(all.map((m) => m.subject)).toEqual(['one', 'two', 'three']);
    expect(all.map((m) => m.position)).toEqual([commits[0], commits[1], commits[3]]);
    expect((await subjects(source, commits[1] ?? null)).map((m) => m.subject)).toEqual(['three']);
    expect(await subjects(source, commits[3] ?? null)).toEqual([]);
  });

  it('starts after the configured commit when there is no position yet', async () => {
    const dir = join(tempDir(), 'list');
    const commits = archive(dir, ['one', 'two', 'three']);
    const source = publicInboxSource(`${dir}.git`, commits[0] ?? null);
    expect((await subjects(source)).map((m) => m.subject)).toEqual(['two', 'three']);
  });

  it('reads the epochs of a v2 inbox in order, resuming inside the right one', async () => {
    const inbox = tempDir();
    const first = archive(join(inbox, 'src0'), ['a', 'b']);
    archive(join(inbox, 'src1'), ['c', 'd']);
    git(inbox, ['clone', '-q', '--bare', join(inbox, 'src0.git'), join(inbox, 'git', '0.git')]);
    git(inbox, ['clone', '-q', '--bare', join(inbox, 'src1.git'), join(inbox, 'git', '1.git')]);
    const source = sourceForPath(inbox);
    expect(source.name).toBe(`public-inbox:${inbox}`);
    expect((await subjects(source)).map((m) => m.subject)).toEqual(['a', 'b', 'c', 'd']);
    expect((await subjects(source, first[0] ?? null)).map((m) => m.subject)).toEqual(['b', 'c', 'd']);
  });

  it('says so when the position is not in the archive any more', async () => {
    const dir = join(tempDir(), 'list');
    archive(dir, ['one']);
    await expect(subjects(publicInboxSource(`${dir}.git`), 'f'.repeat(40))).rejects.toMatchObject({
      code: 'public_inbox_position',
      message: expect.stringContaining(`commit ${'f'.repeat(40)} is not in the archive`),
    });
  });

  it('refuses a folder that is no archive', async () => {
    expect(() => sourceForPath(tempDir())).toThrow(/neither a Maildir .* nor a public-inbox archive/);
  });
});
