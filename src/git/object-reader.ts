import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { ToolError } from '../shared/errors.ts';

/** One object as `git cat-file --batch` gives it. */
export interface GitObject {
  readonly id: string;
  readonly type: string;
  readonly content: Buffer;
}

/**
 * Objects of a repository read through one long-lived `git cat-file --batch`: a round of names
 * written, the answers read back in order (null for a name that names nothing). One process for
 * every read a series needs, where `git show` would be one per file.
 */
export class ObjectReader {
  readonly #child: ChildProcessWithoutNullStreams;
  #buffer: Buffer = Buffer.alloc(0);
  #waiting: {
    count: number;
    done: (objects: (GitObject | null)[]) => void;
    fail: (err: Error) => void;
  } | null = null;
  #answers: (GitObject | null)[] = [];
  #failure: Error | null = null;
  #stderr = '';

  constructor(gitDir: string, env: NodeJS.ProcessEnv = process.env) {
    this.#child = spawn('git', ['cat-file', '--batch'], {
      cwd: gitDir,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#child.stdin.on('error', () => undefined);
    this.#child.stderr.on('data', (chunk: Buffer) => (this.#stderr += chunk.toString('utf8')));
    this.#child.stdout.on('data', (chunk: Buffer) => {
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      this.#parse();
    });
    const fail = (err: Error) => {
      this.#failure = err;
      this.#waiting?.fail(err);
      this.#waiting = null;
    };
    this.#child.on('error', (err) =>
      fail(new ToolError('git', `cannot run git cat-file: ${err.message}`, '')),
    );
    this.#child.on('close', (code) => {
      if (this.#waiting)
        fail(new ToolError('git', `git cat-file --batch ended (exit ${code})`, this.#stderr));
    });
  }

  /** The objects `names` name (any expression cat-file takes: an id, `<commit>:<path>` …). */
  read(names: readonly string[]): Promise<(GitObject | null)[]> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#waiting)
      return Promise.reject(new Error('ObjectReader.read called before the last read ended'));
    if (names.some((n) => n.includes('\n')))
      return Promise.reject(new Error('an object name with a newline'));
    if (names.length === 0) return Promise.resolve([]);
    return new Promise((done, fail) => {
      this.#waiting = { count: names.length, done, fail };
      this.#answers = [];
      this.#child.stdin.write(names.map((n) => `${n}\n`).join(''));
    });
  }

  close(): void {
    this.#child.stdin.end();
  }

  #parse(): void {
    for (;;) {
      const waiting = this.#waiting;
      if (!waiting) return;
      const eol = this.#buffer.indexOf(10);
      if (eol < 0) return;
      const header = this.#buffer.subarray(0, eol).toString('utf8');
      const m = /^([0-9a-f]+) (\S+) (\d+)$/.exec(header);
      if (m) {
        const size = Number(m[3]);
        if (this.#buffer.length < eol + 1 + size + 1) return;
        const content = Buffer.from(this.#buffer.subarray(eol + 1, eol + 1 + size));
        this.#answers.push({ id: m[1] ?? '', type: m[2] ?? '', content });
        this.#buffer = this.#buffer.subarray(eol + 1 + size + 1);
      } else {
        // "<name> missing" or "<name> ambiguous": nothing by that name.
        this.#answers.push(null);
        this.#buffer = this.#buffer.subarray(eol + 1);
      }
      if (this.#answers.length === waiting.count) {
        this.#waiting = null;
        waiting.done(this.#answers);
      }
    }
  }
}

/** The entries of a tree object: name → mode and object id. */
export function treeEntries(content: Buffer, idBytes: number): Map<string, { mode: string; id: string }> {
  const entries = new Map<string, { mode: string; id: string }>();
  let at = 0;
  while (at < content.length) {
    const space = content.indexOf(32, at);
    const nul = content.indexOf(0, space);
    if (space < 0 || nul < 0) break;
    const mode = content.subarray(at, space).toString('latin1').padStart(6, '0');
    const name = content.subarray(space + 1, nul).toString('utf8');
    entries.set(name, { mode, id: content.subarray(nul + 1, nul + 1 + idBytes).toString('hex') });
    at = nul + 1 + idBytes;
  }
  return entries;
}
