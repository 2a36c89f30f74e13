import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runTool } from '../shared/run.ts';
import { PatchferryError, ToolError, errorMessage } from '../shared/errors.ts';
import type { MailSource, RawMessage } from '../ports/mail-source.ts';
import { fileSource } from './file-source.ts';

/** A local clone of a public-inbox archive (the git repositories behind lore-style archives): one
 * commit per mail, the mail in the commit's file `m` (a commit with `d` instead records a removal
 * and is skipped). v1 is one repository; v2 is an inbox folder whose `git/0.git`, `git/1.git`, …
 * epochs are read in order. The position is the id of the last commit read. */
export function publicInboxSource(path: string, after: string | null = null): MailSource {
  const root = resolve(path);
  return fileSource(`public-inbox:${root}`, (position) => readInbox(root, position ?? after));
}

async function* readInbox(root: string, after: string | null): AsyncGenerator<RawMessage> {
  const epochs = epochsOf(root);
  // Which epoch holds the position decides where reading resumes; later epochs are read whole.
  let start = 0;
  if (after !== null) {
    const holding = [];
    for (const [i, dir] of epochs.entries()) if (await hasCommit(dir, after)) holding.push(i);
    if (holding.length === 0) {
      throw new PatchferryError(
        'public_inbox_position',
        `${root}: commit ${after} is not in the archive (was the clone replaced? set "after" to a commit it has)`,
      );
    }
    start = holding[0] ?? 0;
  }
  for (const [i, dir] of epochs.entries()) {
    if (i < start) continue;
    const range = i === start && after !== null ? [`${after}..HEAD`] : ['HEAD'];
    const commits = (await git(dir, ['rev-list', '--reverse', '--topo-order', ...range]))
      .split('\n')
      .filter(Boolean);
    for await (const { commit, raw } of blobsOf(dir, commits)) yield { raw, position: commit };
  }
}

/** The git directories of the archive in reading order. */
function epochsOf(root: string): string[] {
  const v2 = join(root, 'git');
  if (existsSync(v2)) {
    const epochs = readdirSync(v2)
      .map((name) => /^(\d+)\.git$/.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .sort((a, b) => Number(a[1]) - Number(b[1]))
      .map((m) => join(v2, m[0]));
    if (epochs.length > 0) return epochs;
  }
  if (existsSync(join(root, 'HEAD')) || existsSync(join(root, '.git'))) return [root];
  throw new PatchferryError(
    'public_inbox_missing',
    `${root} is not a public-inbox archive (no git repository, no git/N.git epochs)`,
  );
}

async function hasCommit(dir: string, commit: string): Promise<boolean> {
  try {
    await git(dir, ['cat-file', '-e', `${commit}^{commit}`]);
    return true;
  } catch {
    return false;
  }
}

async function git(dir: string, args: readonly string[]): Promise<string> {
  return (await runTool('git', args, { cwd: dir })).stdout;
}

/** The `m` file of each commit, streamed through one `git cat-file --batch`. */
async function* blobsOf(
  dir: string,
  commits: readonly string[],
): AsyncGenerator<{ commit: string; raw: Buffer }> {
  if (commits.length === 0) return;
  const child = spawn('git', ['cat-file', '--batch'], {
    cwd: dir,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', r));
  const writing = (async () => {
    for (const commit of commits) {
      if (!child.stdin.write(`${commit}:m\n`)) await new Promise((r) => child.stdin.once('drain', r));
    }
    child.stdin.end();
  })();
  const reader = new ChunkReader(child.stdout);
  try {
    for (const commit of commits) {
      const header = await reader.line();
      if (header === null) throw new Error('git cat-file stopped early');
      if (header.endsWith(' missing')) continue;
      const size = Number(header.split(' ')[2]);
      const raw = await reader.bytes(size + 1);
      yield { commit, raw: raw.subarray(0, size) };
    }
    await writing;
  } catch (err) {
    throw new ToolError('git', `reading ${dir} with git cat-file failed: ${errorMessage(err)}`, stderr, {
      cause: err,
    });
  } finally {
    child.kill();
    await exited;
  }
}

/** Reads lines and exact byte counts from a stream, holding only what has not been consumed. */
class ChunkReader {
  readonly #iterator: AsyncIterator<Buffer>;
  #buffer: Buffer = Buffer.alloc(0);

  constructor(stream: AsyncIterable<Buffer>) {
    this.#iterator = stream[Symbol.asyncIterator]();
  }

  async line(): Promise<string | null> {
    for (;;) {
      const end = this.#buffer.indexOf(0x0a);
      if (end >= 0) {
        const line = this.#buffer.subarray(0, end).toString('utf8');
        this.#buffer = this.#buffer.subarray(end + 1);
        return line;
      }
      if (!(await this.#more())) return null;
    }
  }

  async bytes(count: number): Promise<Buffer> {
    while (this.#buffer.length < count) {
      if (!(await this.#more())) throw new Error(`stream ended ${count - this.#buffer.length} bytes short`);
    }
    const out = Buffer.from(this.#buffer.subarray(0, count));
    this.#buffer = this.#buffer.subarray(count);
    return out;
  }

  async #more(): Promise<boolean> {
    const next = await this.#iterator.next();
    if (next.done) return false;
    this.#buffer = this.#buffer.length === 0 ? next.value : Buffer.concat([this.#buffer, next.value]);
    return true;
  }
}
