import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ToolError } from '../../src/shared/errors.ts';
import { runTool } from '../../src/shared/run.ts';
import { makeMboxWorld } from '../helpers/mbox-world.ts';
import { gone, running } from '../helpers/processes.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';

/** A shell that starts a grandchild (`sleep 30 &`), writes its pid to `$1`, then waits on a child:
 * stopping the shell alone would leave the grandchild running. */
const TREE = 'echo started; sleep 30 & echo $! > "$1"; sleep 30; echo';

async function grandchild(pidFile: string, ms?: number): Promise<number> {
  await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), ms);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  expect(running(pid)).toBe(true);
  return pid;
}

/** The ToolError `run` rejects with, within 5 s: a stopped tool's rejection waits for its output to
 * close, so a grandchild left running (`sleep 30`) would hold it for 30 s. */
async function rejection(run: Promise<unknown>): Promise<ToolError> {
  const started = Date.now();
  const err = await run.then(
    () => null,
    (e: unknown) => e,
  );
  expect(Date.now() - started).toBeLessThan(5000);
  expect(err).toBeInstanceOf(ToolError);
  return err as ToolError;
}

describe('runTool', () => {
  it('kills the tool and its grandchild when the time limit passes, and says it timed out', async () => {
    const pidFile = join(tempDir(), 'pid');
    const started = Date.now();
    const run = rejection(runTool('sh', ['-c', TREE, 'sh', pidFile], { timeoutMs: 500 }));
    const pid = await grandchild(pidFile);
    const err = await run;
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(err).toMatchObject({ code: 'sh_timeout', outcome: 'timeout', retryable: true, tool: 'sh' });
    expect(err.message).toMatch(/^sh -c timed out after 0\.5 s .*; its output ends:\nstarted$/);
    await gone(pid);
  });

  it('kills the tool and its grandchild when aborted, and says it was aborted', async () => {
    const pidFile = join(tempDir(), 'pid');
    const stop = new AbortController();
    const run = rejection(
      runTool('sh', ['-c', TREE, 'sh', pidFile], { signal: stop.signal, timeoutMs: 20_000 }),
    );
    const pid = await grandchild(pidFile);
    stop.abort(new Error('shutting down'));
    const err = await run;
    expect(err).toMatchObject({ code: 'sh_aborted', outcome: 'aborted', retryable: false });
    expect(err.message).toMatch(/^sh -c was aborted after [\d.]+ s .*; its output ends:\nstarted$/);
    expect(err.cause).toEqual(new Error('shutting down'));
    await gone(pid);
  });

  it('sends SIGKILL after the grace period to processes that ignore SIGTERM', async () => {
    const pidFile = join(tempDir(), 'pid');
    const stop = new AbortController();
    const started = Date.now();
    const run = rejection(
      runTool('sh', ['-c', `trap '' TERM; ${TREE}`, 'sh', pidFile], {
        signal: stop.signal,
        killGraceMs: 300,
      }),
    );
    const pid = await grandchild(pidFile);
    stop.abort();
    expect(await run).toMatchObject({ code: 'sh_aborted' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    await gone(pid);
  });

  it('starts nothing when the signal is aborted already', async () => {
    const marker = join(tempDir(), 'ran');
    const err = await rejection(
      runTool('sh', ['-c', 'touch "$1"', 'sh', marker], { signal: AbortSignal.abort() }),
    );
    expect(err).toMatchObject({ code: 'sh_aborted', output: '', retryable: false });
    expect(err.message).toBe('sh -c was aborted before it started');
    expect(existsSync(marker)).toBe(false);
  });

  it('reports a failing tool as before, a signal and a time limit given or not', async () => {
    for (const opts of [{}, { signal: new AbortController().signal, timeoutMs: 20_000 }]) {
      const err = await rejection(runTool('sh', ['-c', 'echo out; echo err >&2; exit 3'], opts));
      expect(err).toMatchObject({
        code: 'sh_failed',
        outcome: 'failed',
        retryable: false,
        message: 'sh -c failed (exit 3)',
        output: 'out\nerr\n',
      });
    }
    // Killed by someone else, it failed: it neither timed out nor was aborted.
    const killed = await rejection(runTool('sh', ['-c', 'kill -TERM $$'], { timeoutMs: 20_000 }));
    expect(killed).toMatchObject({ code: 'sh_failed', message: 'sh -c failed (SIGTERM)' });
  });

  it('succeeds as before within its limit, with standard input and output', async () => {
    const result = await runTool('sh', ['-c', 'cat; echo done >&2'], {
      input: 'hello\n',
      timeoutMs: 20_000,
      signal: new AbortController().signal,
    });
    expect(result).toEqual({ output: 'hello\ndone\n', stdout: 'hello\n' });
  });

  it('keeps the output of a stopped tool and ends its message with the last lines', async () => {
    const err = await rejection(runTool('sh', ['-c', 'seq 1 100; sleep 30'], { timeoutMs: 500 }));
    expect(err.output).toBe(`${Array.from({ length: 100 }, (_, i) => i + 1).join('\n')}\n`);
    expect(err.message.split('; its output ends:\n')[1]).toBe(
      Array.from({ length: 20 }, (_, i) => i + 81).join('\n'),
    );
  });

  it('refuses a time limit setTimeout cannot keep', async () => {
    await expect(runTool('true', [], { timeoutMs: 0 })).rejects.toThrow(RangeError);
    await expect(runTool('true', [], { timeoutMs: 2 ** 31 })).rejects.toThrow(RangeError);
  });
});

describe('tools still running when patchferry exits', () => {
  const ROOT = join(import.meta.dirname, '..', '..');
  /** Tools ignoring SIGTERM that a failed test would leave for 60 s. */
  const started: number[] = [];
  afterEach(() => {
    for (const pid of started.splice(0)) if (running(pid)) process.kill(pid, 'SIGKILL');
  });

  /** Runs node with `args` and `meanwhile`; resolves with node's exit status, or the signal that
   * ended it. */
  function node(
    args: readonly string[],
    env: NodeJS.ProcessEnv,
    meanwhile: (child: { kill(s: NodeJS.Signals): void }) => Promise<void>,
  ) {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    const ended = new Promise<string | number | null>((resolve) =>
      child.on('close', (code, signal) => resolve(signal ?? code)),
    );
    return meanwhile(child).then(() => ended);
  }

  it('kills a running tool and what it started when the process calls process.exit', async () => {
    const pidFile = join(tempDir(), 'pid');
    const run = pathToFileURL(join(ROOT, 'src', 'shared', 'run.ts')).href;
    const script = `
      import { existsSync } from 'node:fs';
      import { runTool } from ${JSON.stringify(run)};
      const pidFile = process.env.PID_FILE;
      runTool('sh', ['-c', 'sleep 60 & echo $! > "$1"; wait', 'sh', pidFile]).catch(() => {});
      // Exits once the test has seen the tool's child run (it writes the .go file): exiting as soon
      // as the pid file is there raced the test's look at the child on a loaded machine.
      setInterval(() => {
        if (existsSync(pidFile + '.go')) process.exit(1);
      }, 10);
    `;
    let pid = 0;
    const status = await node(['--input-type=module', '-e', script], { PID_FILE: pidFile }, async () => {
      pid = await grandchild(pidFile, 20_000);
      started.push(pid);
      writeFileSync(pidFile + '.go', '');
    });
    expect(status).toBe(1);
    await gone(pid);
  });

  it('exits with 130 on a second Ctrl-C and kills the tool that ignored the first one', async () => {
    const world = makeMboxWorld(tempDir());
    // The project's repository is cloned over "ssh" by a command that ignores SIGTERM and sleeps:
    // the first Ctrl-C's abort leaves it running through the 2 s grace before its SIGKILL.
    const config = readFileSync(world.configFile, 'utf8');
    writeFileSync(
      world.configFile,
      config.replace(`git: ${world.upstream}`, 'git: ssh://patchferry.invalid/hello.git'),
    );
    world.series('slow', 1);
    const pidFile = join(world.dir, 'ssh.pid');
    let pid = 0;
    const status = await node(
      ['bin/patchferry.mjs', 'sync', '--config', world.configFile],
      {
        PATCHFERRY_LOG_LEVEL: 'silent',
        GIT_SSH_COMMAND: `trap '' TERM; echo $$ > '${pidFile}'; exec sleep 60 #`,
      },
      async (child) => {
        pid = await grandchild(pidFile, 30_000);
        started.push(pid);
        child.kill('SIGINT');
        await new Promise((r) => setTimeout(r, 300));
        expect(running(pid)).toBe(true);
        child.kill('SIGINT');
      },
    );
    // Exited by itself, not killed by the signal, and 1.7 s before the grace's SIGKILL was due: only
    // the kill at exit can stop the tool now (it would sleep on for a minute).
    expect(status).toBe(130);
    await gone(pid);
  });
});
