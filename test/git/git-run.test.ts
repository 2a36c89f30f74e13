import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitAt } from '../../src/git/git-run.ts';
import { ToolError } from '../../src/shared/errors.ts';
import { makeRepo } from '../helpers/git.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';

const IDENTITY = ['user.name=Tess Tester', 'user.email=tess@example.org'];

function hook(repo: string, name: string, script: string): void {
  const path = join(repo, '.git', 'hooks', name);
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
}

function running(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('gitAt', () => {
  it('stops a command with its hook when aborted, rejecting with git_aborted', async () => {
    const repo = makeRepo(join(tempDir(), 'work'), { 'a.txt': 'a\n' });
    const pidFile = join(repo, 'hook.pid');
    hook(repo, 'pre-commit', `sleep 30 & echo $! > "${pidFile}"; wait`);
    const stop = new AbortController();
    const commit = gitAt({ cwd: repo, config: IDENTITY, signal: stop.signal })
      .raw(['commit', '--allow-empty', '-q', '-m', 'never'])
      .catch((e: unknown) => e);
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'));
    const pid = Number(readFileSync(pidFile, 'utf8'));
    stop.abort();
    const err = await commit;
    expect(err).toBeInstanceOf(ToolError);
    expect(err).toMatchObject({ code: 'git_aborted', retryable: false });
    expect(running(pid)).toBe(false);
  });

  it('rejects with git_timeout past its time limit, and with git’s own words when git fails', async () => {
    const repo = makeRepo(join(tempDir(), 'work'), { 'a.txt': 'a\n' });
    hook(repo, 'pre-commit', 'sleep 30');
    const git = gitAt({ cwd: repo, config: IDENTITY, timeoutMs: 300 });
    await expect(git.raw(['commit', '--allow-empty', '-q', '-m', 'slow'])).rejects.toMatchObject({
      code: 'git_timeout',
      retryable: true,
      message: expect.stringMatching(/^git commit timed out after 0\.3 s/),
    });
    await expect(git.revparse(['--verify', 'no-such-branch'])).rejects.toThrow(
      'fatal: Needed a single revision',
    );
  });
});
