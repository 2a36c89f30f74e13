import { spawn } from 'node:child_process';
import { ToolError } from './errors.ts';

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Bytes of output kept for the error message; the end matters most, where tools say what failed. */
  readonly keepBytes?: number;
  /** Written to the tool's standard input, which is otherwise closed. */
  readonly input?: string | Buffer;
}

export interface RunResult {
  /** stdout and stderr interleaved as the tool wrote them (the tail, see keepBytes). */
  readonly output: string;
  /** stdout alone and whole, for tools whose answer is read (git rev-parse, range-diff). */
  readonly stdout: string;
}

/** Runs an outside program; a non-zero exit becomes a ToolError carrying the tail of its output. */
export function runTool(tool: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const keep = opts.keepBytes ?? 1 << 20;
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    // A tool that exits without reading all of its input is not an error here; its exit code says.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input);
    const chunks: Buffer[] = [];
    let size = 0;
    const collect = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      while (size > keep && chunks.length > 1) size -= (chunks.shift() as Buffer).length;
    };
    const stdout: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      collect(chunk);
    });
    child.stderr.on('data', collect);
    child.on('error', (err) =>
      reject(new ToolError(tool, `cannot run ${tool}: ${err.message}; is it installed?`, '', { cause: err })),
    );
    child.on('close', (code, signal) => {
      const output = Buffer.concat(chunks).toString('utf8');
      if (code === 0) resolve({ output, stdout: Buffer.concat(stdout).toString('utf8') });
      else
        reject(new ToolError(tool, `${tool} ${args[0] ?? ''} failed (${signal ?? `exit ${code}`})`, output));
    });
  });
}
